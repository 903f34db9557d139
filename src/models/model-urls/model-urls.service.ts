import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error';
import { byVersionDesc, canonicalVersion, VERSION_PATTERN } from '../model-paths';
import { ModelDirectory, ModelEntry, VersionEntry } from '../verification/model-directory';
import { presentedToken } from '../../common/presented-token';
import { ModelTokenVerifier } from '../verification/model-token-verifier.service';
import { ModelMetadataDto } from './dto/model-metadata.dto';

interface ResolvedUrl {
  model: ModelEntry;
  deployed: VersionEntry[];
  version: VersionEntry | null;
}

/** Model URLs `<prefix>/<model>/[<version>/]`: resolution and metadata. */
@Injectable()
export class ModelUrlsService {
  constructor(
    private readonly directory: ModelDirectory,
    private readonly verifier: ModelTokenVerifier,
  ) {}

  /**
   * Metadata for a console access token of a user with access to the model, or a model session or
   * external token for it. Token first: without one, nothing about the registry is revealed.
   */
  async metadata(path: string, authorization: string | undefined): Promise<ModelMetadataDto> {
    const token = presentedToken(authorization);
    if (!token) throw AppError.unauthorized();
    const claims = this.verifier.claims(token, ['access', 'model-session', 'model-external']);
    if (typeof claims === 'string') throw AppError.invalidToken();
    const resolved = await this.resolve(path);
    if (!resolved) throw AppError.notFound(`no model is registered at /${path}/`);
    const access = await this.verifier.check(token, claims, resolved.model);
    if (!access.ok) {
      throw access.reason === 'forbidden' ? AppError.forbidden(`you hold no grant on model prefix ${resolved.model.prefix}`) : AppError.invalidToken();
    }
    const { model, deployed, version } = resolved;
    return {
      model_id: model.id,
      name: model.name,
      prefix: model.prefix,
      prefix_key: model.prefixKey,
      versions: deployed.length ? deployed.map(toVersion) : null,
      version: version && toVersion(version),
    };
  }

  /** The longest registered prefix, then the model name, then an optional deployed version. */
  private async resolve(path: string): Promise<ResolvedUrl | undefined> {
    const segments = path.split('/');
    if (segments.some((segment) => !segment)) return undefined;
    const found = await this.directory.resolvePath(segments);
    if (!found || found.rest.length > 1) return undefined;
    const deployed = found.model.versions.filter((version) => !version.draft).sort(byVersionDesc);
    if (found.rest.length === 1) {
      const requested = found.rest[0];
      const version = VERSION_PATTERN.test(requested) ? deployed.find((candidate) => candidate.version === canonicalVersion(requested)) : undefined;
      return version ? { model: found.model, deployed, version } : undefined;
    }
    return { model: found.model, deployed, version: deployed.find((version) => version.stage === 'Production') ?? deployed[0] ?? null };
  }
}

const toVersion = (version: VersionEntry) => ({ version: version.version, stage: version.stage, draft: version.draft, created_at: version.createdAt });

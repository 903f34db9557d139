import { registerDecorator } from 'class-validator';
import { LABEL_KEY, LABEL_VALUE } from './dto/stackit-rules';

/**
 * A Kubernetes label selector (`env=prod,team!=ml,tier,!legacy,zone in (a,b),tier notin (x)`):
 * comma-separated requirements that all must hold. `=`/`==`/`in` need the label with one of the
 * values; `!=`/`notin` are met by a token without the label too; `key` needs the label, `!key`
 * its absence.
 */
export interface LabelRequirement {
  key: string;
  operator: 'in' | 'notin' | 'exists' | 'absent';
  values: string[];
}

export const MAX_SELECTOR_LENGTH = 1024;
const MAX_REQUIREMENTS = 20;

const EQUALITY = /^([^\s=!(),]+)\s*(==|=|!=)\s*([^\s=!(),]*)$/;
const SET = /^([^\s=!(),]+)\s+(in|notin)\s*\(([^()]*)\)$/;
const EXISTS = /^(!?)\s*([^\s=!(),]+)$/;

export class LabelSelectorError extends Error {}

/** The requirements of a selector; throws LabelSelectorError saying which part is wrong. */
export function parseLabelSelector(text: string): LabelRequirement[] {
  if (text.length > MAX_SELECTOR_LENGTH) throw new LabelSelectorError(`at most ${MAX_SELECTOR_LENGTH} characters`);
  const terms = splitTopLevel(text);
  if (terms.length > MAX_REQUIREMENTS) throw new LabelSelectorError(`at most ${MAX_REQUIREMENTS} requirements`);
  return terms.map(parseRequirement);
}

/** Why `value` is not a selector, or undefined when it is one. */
export function labelSelectorProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  try {
    parseLabelSelector(value);
    return undefined;
  } catch (error) {
    if (error instanceof LabelSelectorError) return error.message;
    throw error;
  }
}

export function IsLabelSelector() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isLabelSelector',
      target: target.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => labelSelectorProblem(value) === undefined,
        defaultMessage: (args) => `${args?.property}: ${labelSelectorProblem(args?.value)}`,
      },
    });
}

function splitTopLevel(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const char = text[i];
    if (char === '(') depth++;
    else if (char === ')') depth--;
    if (depth < 0 || depth > 1) throw new LabelSelectorError('unbalanced parentheses');
    if (i === text.length || (char === ',' && depth === 0)) {
      terms.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (depth !== 0) throw new LabelSelectorError('unbalanced parentheses');
  return terms;
}

function parseRequirement(term: string): LabelRequirement {
  const shown = JSON.stringify(term.slice(0, 80));
  if (term === '') throw new LabelSelectorError('empty requirement (two commas in a row, or a comma at either end)');
  let match = EQUALITY.exec(term);
  if (match) return requirement(match[1], match[2] === '!=' ? 'notin' : 'in', [match[3]]);
  match = SET.exec(term);
  if (match) {
    const values = match[3].split(',').map((value) => value.trim());
    return requirement(match[1], match[2] as 'in' | 'notin', values);
  }
  match = EXISTS.exec(term);
  if (match) return requirement(match[2], match[1] ? 'absent' : 'exists', []);
  throw new LabelSelectorError(`${shown} is not a requirement (key, !key, key=value, key!=value, key in (a,b), key notin (a,b))`);
}

function requirement(key: string, operator: LabelRequirement['operator'], values: string[]): LabelRequirement {
  if (!LABEL_KEY.test(key))
    throw new LabelSelectorError(`${JSON.stringify(key.slice(0, 80))} is not a label key (alphanumeric at both ends, "-", "_" and "." inside)`);
  for (const value of values) {
    if (!LABEL_VALUE.test(value) || value.length > 63) {
      throw new LabelSelectorError(`${JSON.stringify(value.slice(0, 80))} is not a label value (empty or alphanumeric at both ends, "-", "_" and "." inside)`);
    }
  }
  return { key, operator, values };
}

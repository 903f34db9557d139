export const PROJECT_ROLES = ['reader', 'editor', 'owner'] as const;
export type ProjectRole = (typeof PROJECT_ROLES)[number];

/** True when `held` grants at least what `needed` grants (owner > editor > reader). */
export const roleAtLeast = (held: string, needed: ProjectRole) => PROJECT_ROLES.indexOf(held as ProjectRole) >= PROJECT_ROLES.indexOf(needed);

/**
 * An empty description is stored as absent: STACKIT's response pattern needs at least one
 * character, so a later GET can always return what was stored.
 */
export const storedDescription = (description: string | null | undefined) => (description ? description : null);

/** A PATCH's description: absent keeps the stored one, `null` or an empty string removes it. */
export const descriptionChange = (description: string | null | undefined) => (description === undefined ? undefined : storedDescription(description));

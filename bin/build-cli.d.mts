/** Compile verify/ and lessons/ to JavaScript if a source changed; returns the output folder. */
export function ensureBuilt(): Promise<string>;

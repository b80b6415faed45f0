// Owns loading the packages only some uses need (argon2, better-sqlite3, pg, ioredis: optionalDependencies in
// package.json, so `npm install --omit=optional` leaves a token-verifying service without native addons): each
// is imported on first use, and a missing one is reported by name with the command that installs it.

/**
 * Runs `load` (an `import('name')` written out, so bundlers and types see it) and turns "package not found"
 * into an error naming the package, what needed it, and how to install it.
 */
export async function loadOptional<T>(name: string, neededBy: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = error instanceof Error ? error.message : String(error);
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(`'${name}'`)) {
      throw new Error(`${neededBy} needs the package ${name}, which is not installed: run \`npm install ${name}\``, { cause: error });
    }
    throw new Error(`${neededBy} needs the package ${name}, which failed to load (${message}); try \`npm rebuild ${name}\``, { cause: error });
  }
}

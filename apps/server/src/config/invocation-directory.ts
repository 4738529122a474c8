/**
 * The folder relative paths (data folder, SQLite file, configuration file) resolve from: where
 * the person ran the command. A package manager runs a script in its package's folder and says
 * where the person was in `INIT_CWD`, so `pnpm start` and `pnpm tether …` from the same folder
 * find the same data; run directly, it is the working directory.
 */
export function invocationDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.npm_lifecycle_event && env.INIT_CWD ? env.INIT_CWD : process.cwd();
}

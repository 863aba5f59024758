// The one way a command gets its config: honours --config, --root and the environment the same way
// for every command. Returns warnings instead of printing them; each command decides how to show them.
import { type LoadedConfig, loadConfig } from '../src/config/load-config.js';
import { type EffectivePaths, effectivePaths } from '../src/config/paths.js';

export interface CliConfig {
  loaded: LoadedConfig;
  paths: EffectivePaths;
}

export interface CliConfigArgs {
  config?: string | undefined;
  root?: string | undefined;
}

export async function loadCliConfig(
  args: CliConfigArgs,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CliConfig> {
  const loaded = await loadConfig({ configPath: args.config, env, flags: { root: args.root } });
  return { loaded, paths: effectivePaths(loaded, env) };
}

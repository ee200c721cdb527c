// `npm run addon NAME`: install a pinned cluster add-on (scripts/addons/NAME.yaml).
import { addonObjects, installAddon, listAddons } from '../core/addons.ts';
import { EXIT, type ExitCode, UsageError } from '../core/errors.ts';
import { KubeProbe } from '../probes/kube.ts';
import { lessonArg, parse } from './args.ts';

const USAGE = 'addon NAME [--context NAME]';

export async function run(args: string[]): Promise<ExitCode> {
  const { values, positionals } = parse(args, { context: { type: 'string' } }, USAGE);
  const name = lessonArg(positionals, USAGE);
  if (!name) throw new UsageError(`Which add-on? Known: ${listAddons().join(', ')}. Usage: npm run ${USAGE}`);
  addonObjects(name); // an unknown name is exit 2 before any cluster is contacted
  const kube = new KubeProbe({ context: values.context });
  await kube.serverVersion();
  const applied = await installAddon(kube, name, (line) => process.stdout.write(`  ${line}\n`));
  process.stdout.write(`✔ Add-on ${name}: ${applied.length} objects applied to ${await kube.contextName()}.\n`);
  return EXIT.ok;
}

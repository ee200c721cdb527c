// The command lines of `npm run setup` and `npm run images`, parsed apart from the
// commands so they are tested without running them.
import { parseArgs } from 'node:util';
import { UsageError } from '../../verify/core/errors.ts';

export const USAGE = `npm run setup [-- --doctor | --images-from FILE]

  (no flags)          check this machine, then create the kind cluster "workshop", load the
                      pinned images and start Postgres, Redis and Mailpit in it. Safe to re-run.
  --images-from FILE  take the images from the instructor's archive (npm run images -- --save
                      FILE) instead of pulling them: for a room without good network
  --doctor            only check this machine and print the report (exit 0 ready, 2 not ready)
  --yes, -y           accepted for scripts; setup never asks questions anyway
`;

export interface SetupOptions {
  doctor: boolean;
  help: boolean;
  imagesFrom?: string;
}

export function options(argv: string[]): SetupOptions {
  try {
    const { values } = parseArgs({
      args: argv,
      options: { doctor: { type: 'boolean' }, 'images-from': { type: 'string' }, yes: { type: 'boolean', short: 'y' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.doctor && values['images-from']) throw new Error('--doctor only looks at this machine; --images-from loads images. Use one of them.');
    if (values['images-from'] === '') throw new Error('--images-from needs the archive file: npm run setup -- --images-from FILE');
    return { doctor: values.doctor === true, help: values.help === true, imagesFrom: values['images-from'] };
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}\n\n${USAGE}`);
  }
}

export const IMAGES_USAGE = `npm run images -- --save FILE [--no-pull]

  --save FILE   pull every image in images.yaml and the kind node image, then write them
                all to FILE (docker save, gzip). Give FILE to the room; each learner runs
                npm run setup -- --images-from FILE
  --no-pull     save the copies already on this machine, without pulling
`;

export interface ImagesOptions {
  save?: string;
  pull: boolean;
  help: boolean;
}

export function imagesOptions(argv: string[]): ImagesOptions {
  try {
    const { values } = parseArgs({
      args: argv,
      options: { save: { type: 'string' }, 'no-pull': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    if (!values.help && !values.save) throw new Error('--save FILE is required: where to write the archive.');
    return { save: values.save, pull: values['no-pull'] !== true, help: values.help === true };
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}\n\n${IMAGES_USAGE}`);
  }
}

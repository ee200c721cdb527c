import { describe, expect, test } from 'vitest';
import { commonMistakes, listedCheckIds, section, whereFile } from './lesson-readme.ts';

const README = `# Lesson

## Common mistakes

- **Uploads still on disk.** It works with one replica.
- **\`saveUninitialized: true\`.** Every visit writes a key.
  A continuation line with **bold** text that is not a bullet.

## Check yourself

| \`02.uploads-shared\` | x |
Also 02.cache-shared and 01.env-example, on Node 20.19.

## Next
02.not-in-section
`;

describe('lesson README sections', () => {
  test('section stops at the next level-2 heading', () => {
    expect(section(README, 'Check yourself')).toContain('02.cache-shared');
    expect(section(README, 'Check yourself')).not.toContain('02.not-in-section');
    expect(section(README, 'Missing')).toBe('');
  });

  test('common mistakes are the bold titles of the bullets, without the trailing period', () => {
    expect(commonMistakes(README)).toEqual(['Uploads still on disk', '`saveUninitialized: true`']);
  });

  test('listed check ids come from "Check yourself" only', () => {
    expect(listedCheckIds(README)).toEqual(['02.uploads-shared', '02.cache-shared', '01.env-example']);
  });
});

describe('whereFile', () => {
  test.each([
    ['src/db.js:4', { file: 'src/db.js', line: 4 }],
    ['k8s/app.yaml:12 › spec.replicas', { file: 'k8s/app.yaml', line: 12 }],
    ['k8s/app.yaml › spec.template', { file: 'k8s/app.yaml', line: undefined }],
    ['Dockerfile:3', { file: 'Dockerfile', line: 3 }],
    ['Dockerfile', { file: 'Dockerfile', line: undefined }],
    ['.env.example', { file: '.env.example', line: undefined }],
    ['k8s/', { file: 'k8s/', line: undefined }],
    ['deployment/web', undefined],
    ['namespace teamnotes', undefined],
    ['INGRESS_URL', undefined],
    ['http://localhost/notes', undefined],
  ])('%s', (where, expected) => {
    expect(whereFile(where)).toEqual(expected);
  });
});

/**
 * The committed generated client is what `npm run generate` renders from the committed IDL:
 * render into a temporary folder and compare every file, both ways.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { GENERATED_DIR, generate } from '../scripts/generate';

function files(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
}

test('src/generated is fresh: regenerating from idl/spice.json changes nothing (else run `npm run generate`)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'spice-generated-'));
  try {
    await generate(dir);
    const fresh = files(dir);
    assert.ok(fresh.length > 60, `the renderer wrote ${fresh.length} files`);
    assert.deepEqual(files(GENERATED_DIR), fresh, 'the same files');
    const stale = fresh.filter(
      (file) => readFileSync(path.join(dir, file), 'utf8') !== readFileSync(path.join(GENERATED_DIR, file), 'utf8'),
    );
    assert.deepEqual(stale, [], 'files that differ from a fresh render');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

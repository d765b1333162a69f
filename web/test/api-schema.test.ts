// The web client's API types are generated from the server's contract: src/api-schema.d.ts must be exactly what
// openapi-typescript makes of openapi.json (which tests/Server.Tests checks against the server's /openapi/v1.json).
// Regenerate both with the command in README.md, "The API contract".
import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { expect, test } from 'vitest'

const webRoot = resolve(import.meta.dirname, '..')

test('src/api-schema.d.ts is what openapi-typescript generates from openapi.json', async () => {
  const bin = resolve(webRoot, 'node_modules/openapi-typescript/bin/cli.js')
  const run = promisify(execFile)(process.execPath, [bin, 'openapi.json', '-o', 'src/api-schema.d.ts', '--check'], { cwd: webRoot })
  await expect(run.then(() => 'up to date', (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`))
    .resolves.toBe('up to date')
})

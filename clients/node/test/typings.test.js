// Every js/ts example of this package's README and of the main README's Node section, and the type
// checks in test/types, compiled with tsc --strict against Baileys', express-session's and
// whatsapp-web.js's own types. Library .d.ts files (this package's included) are checked too
// (skipLibCheck off), except in the program of the whatsapp-web.js examples: whatsapp-web.js's
// index.d.ts does not compile by itself (it imports node-fetch and puppeteer types that are not there),
// and but for the errors of Baileys 6.17.16's own declaration files listed in THEIRS.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

const root = fileURLToPath(new URL('..', import.meta.url))

/**
 * Errors in Baileys 6.17.16's own declaration files (npm's latest tag) that no code of ours can
 * change, whatever the TypeScript release (5.9, 6.0 and 7.0 report them alike): its Socket types
 * name `Long.Long`, which long 5's types (what protobufjs installs) do not declare, and lru-cache
 * 10 (through cache-manager 5) declares Map iterators that --strict's builtin iterator types refuse
 * (lru-cache 11 fixed them). Each is matched by file and code; an error anywhere else, in these
 * files under another code, or in this package's own index.d.ts, still fails.
 */
const THEIRS = [
  ['node_modules/@whiskeysockets/baileys/lib/Socket/index.d.ts', 'TS2694'],
  ['node_modules/lru-cache/dist/commonjs/index.d.ts', 'TS2416']
]
const out = join(root, 'test', 'types', '.readme')

/** The ```js and ```ts blocks of a markdown text. */
function examples (markdown) {
  return [...markdown.matchAll(/^```(js|ts|javascript|typescript)\n([\s\S]*?)^```$/gm)].map(m => m[2])
}

test('index.d.cts (require) declares exactly what index.d.ts (import) does', () => {
  assert.equal(readFileSync(join(root, 'index.d.cts'), 'utf8'), readFileSync(join(root, 'index.d.ts'), 'utf8'))
})

test('every README example and the type checks compile with tsc --strict', async () => {
  const own = examples(readFileSync(join(root, 'README.md'), 'utf8'))
  const main = readFileSync(join(root, '..', '..', 'README.md'), 'utf8')
  const section = main.slice(main.indexOf('## Node clients'), main.indexOf('\n## ', main.indexOf('## Node clients') + 1))
  const theirs = examples(section)
  assert.ok(own.length >= 6, `found ${own.length} examples in clients/node/README.md`)
  assert.ok(theirs.length >= 1, 'found no example in the main README\'s Node section')
  rmSync(out, { recursive: true, force: true })
  mkdirSync(out, { recursive: true })
  const files = []
  for (const [name, blocks] of [['client-readme', own], ['main-readme', theirs]]) {
    blocks.forEach((code, i) => {
      // A block using require() is a CommonJS module; any other an ES module.
      const file = join(out, `${name}-${i + 1}.${/\brequire\(/.test(code) ? 'cts' : 'mts'}`)
      writeFileSync(file, code + '\nexport {}\n')
      files.push(file)
    })
  }
  const wwebjs = files.filter(f => readFileSync(f, 'utf8').includes('whatsapp-web.js'))
  assert.ok(wwebjs.length >= 1)
  const programs = {
    'tsconfig.json': { skipLibCheck: false, files: [...files.filter(f => !wwebjs.includes(f)), join(root, 'test', 'types', 'precision.mts'), join(root, 'test', 'types', 'require.cts')] },
    'tsconfig.wwebjs.json': { skipLibCheck: true, files: wwebjs }
  }
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  const results = await Promise.all(Object.entries(programs).map(([config, { skipLibCheck, files }]) => {
    writeFileSync(join(out, config), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: ['node'], skipLibCheck },
      files
    }, null, 2))
    return new Promise(resolve => execFile(process.execPath, [tsc, '-p', join(out, config)], { cwd: root },
      (err, stdout, stderr) => resolve({ code: err ? err.code : 0, output: config + ':\n' + stdout + stderr })))
  }))
  for (const r of results) {
    const errors = r.output.split('\n').filter(line => /error TS\d+/.test(line))
    const ours = errors.filter(line => !THEIRS.some(([file, code]) => line.startsWith(file + '(') && line.includes(`error ${code}:`)))
    assert.deepEqual(ours, [], r.output)
    // Any other failure (a tsc that did not run, say) fails too.
    if (errors.length === 0) assert.equal(r.code, 0, r.output)
  }
  rmSync(out, { recursive: true, force: true })
})

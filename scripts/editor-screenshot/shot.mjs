// node shot.mjs OUT.png — builds page.js with esbuild, serves it with the repository's
// schemas/ on 127.0.0.1, opens it in /usr/bin/chromium (headless, through puppeteer-core),
// waits until yaml-language-server has marked the mistakes in taller.yaml, shows the hover
// of the first one, and takes the picture. Run 'npm install' here first.
import * as esbuild from 'esbuild'
import http from 'node:http'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import puppeteer from 'puppeteer-core'

const here = path.dirname(fileURLToPath(import.meta.url))
const repo = path.resolve(here, '..', '..')
const out = path.resolve(process.argv[2] ?? path.join(repo, 'docs/es/img/editor-esquema.png'))
const build = path.join(here, 'build')

// monaco-yaml's worker imports monaco-editor/esm/vs/…, which monaco-editor 0.57's "exports"
// map no longer resolves: point such imports at the file itself.
const monacoEsm = {
  name: 'monaco-esm',
  setup (build) {
    build.onResolve({ filter: /^monaco-editor\/esm\// }, (args) => ({
      path: path.join(here, 'node_modules', args.path)
    }))
  }
}

await esbuild.build({
  plugins: [monacoEsm],
  entryPoints: { page: path.join(here, 'page.js') }, bundle: true, format: 'esm',
  outdir: build, loader: { '.ttf': 'file' }, logLevel: 'warning'
})
await esbuild.build({
  plugins: [monacoEsm],
  entryPoints: {
    'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
    'yaml.worker': 'monaco-yaml/yaml.worker.js'
  },
  bundle: true, format: 'iife', outdir: build, logLevel: 'warning'
})

const files = {
  '/': [path.join(here, 'index.html'), 'text/html'],
  '/posts/taller.yaml': [path.join(here, 'taller.yaml'), 'text/yaml'],
  '/schemas/post.schema.json': [path.join(repo, 'schemas/post.schema.json'), 'application/json']
}
const types = { '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf' }
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1').pathname
  const [file, type] = files[url] ?? [path.join(build, path.basename(url)),
    types[path.extname(url)] ?? 'application/octet-stream']
  try {
    const body = await readFile(file)
    res.writeHead(200, { 'content-type': type })
    res.end(body)
  } catch {
    res.writeHead(404)
    res.end()
  }
})
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const origin = `http://127.0.0.1:${server.address().port}`

const browser = await puppeteer.launch({
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--lang=es', '--window-size=1000,700']
})
try {
  const page = await browser.newPage()
  await page.setViewport({ width: 1000, height: 760, deviceScaleFactor: 1 })
  page.on('pageerror', (error) => console.error('page:', error.message))
  await page.goto(origin + '/', { waitUntil: 'load' })
  await page.waitForFunction(() => globalThis.markerCount >= 3, { timeout: 60000 })
  // The hover of the first mistake, as the mouse over it would show it.
  await page.evaluate(() => {
    const editor = globalThis.editor
    editor.setPosition({ lineNumber: 12, column: 9 })
    editor.focus()
    editor.trigger('shot', 'editor.action.showHover', {})
  })
  await page.waitForSelector('.monaco-hover-content', { visible: true, timeout: 20000 })
  await page.screenshot({ path: out })
  console.log(out)
} finally {
  await browser.close()
  server.close()
}

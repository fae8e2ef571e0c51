// The page: Monaco with monaco-yaml (yaml-language-server in a worker). The post's own
// 'yaml-language-server: $schema=../schemas/post.schema.json' line picks the schema, as in
// VS Code: the model is file:///posts/taller.yaml, and the file it points at,
// file:///schemas/post.schema.json, is handed to the language server as VS Code reads it
// from the disk (a page cannot read file:// addresses, so the local server serves it).
import * as monaco from 'monaco-editor'
import { configureMonacoYaml } from 'monaco-yaml'

globalThis.MonacoEnvironment = {
  getWorker (_moduleId, label) {
    return new Worker(label === 'yaml' ? '/yaml.worker.js' : '/editor.worker.js')
  }
}

const schema = await (await fetch('/schemas/post.schema.json')).json()
configureMonacoYaml(monaco, {
  enableSchemaRequest: false,
  hover: true,
  validate: true,
  schemas: [{ uri: 'file:///schemas/post.schema.json', fileMatch: [], schema }]
})

const text = await (await fetch('/posts/taller.yaml')).text()
const model = monaco.editor.createModel(text, 'yaml', monaco.Uri.parse('file:///posts/taller.yaml'))
const editor = monaco.editor.create(document.getElementById('editor'), {
  model, fontSize: 15, minimap: { enabled: false }, automaticLayout: true,
  hover: { enabled: true, delay: 0, sticky: true }, scrollBeyondLastLine: false
})
globalThis.editor = editor
globalThis.monaco = monaco

// The markers the editor holds, listed as VS Code's Problems panel lists them.
monaco.editor.onDidChangeMarkers(() => {
  const markers = monaco.editor.getModelMarkers({ resource: model.uri })
  const list = document.getElementById('problems')
  list.replaceChildren(...markers.map((m) => {
    const item = document.createElement('li')
    item.textContent = `${m.startLineNumber}:${m.startColumn}  ${m.message.split('\n')[0]}`
    return item
  }))
  globalThis.markerCount = markers.length
})

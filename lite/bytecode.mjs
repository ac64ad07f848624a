// Compiles Python sources to bytecode inside Pyodide (the site's Python), for lite/bytecode.py.
//   node bytecode.mjs PYODIDE_DIR JOBS.json
// JOBS.json: what lite/bytecode_worker.py reads (host paths); the host's / is mounted at /host.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const [pyodideDir, jobs] = process.argv.slice(2).map((p) => resolve(p));
const here = dirname(fileURLToPath(import.meta.url));
const { loadPyodide } = await import(join(pyodideDir, "pyodide.mjs"));
const py = await loadPyodide({ indexURL: pyodideDir + "/" });
py.FS.mkdir("/host");
py.FS.mount(py.FS.filesystems.NODEFS, { root: "/" }, "/host");
py.FS.writeFile("/tmp/bytecode_worker.py", readFileSync(join(here, "bytecode_worker.py")));
await py.runPythonAsync(
  `import sys; sys.path.insert(0, "/tmp"); import bytecode_worker; bytecode_worker.main(${JSON.stringify("/host" + jobs)})`,
);

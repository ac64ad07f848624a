// Runs lessons' code cells and exercises' reference answers in ONE Pyodide instance (node, offline).
//   node harness.mjs SITE JOB.json OUT.json
// SITE: a test-variant lite site (lite/build.py --variant test): Pyodide's npm core in static/pyodide/,
// the wheels and the kernel's lock file in wheels/. labkit is installed the way the site's first cell
// does it (micropip finds it in the lock, which pins every wheel). runner.py (next to this file) runs
// the job and writes the outputs.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const [site, jobPath, outPath] = process.argv.slice(2).map((p) => resolve(p));
const here = dirname(fileURLToPath(import.meta.url));
const { loadPyodide } = await import(join(site, "static", "pyodide", "pyodide.mjs"));
const t0 = performance.now();
const py = await loadPyodide({
  indexURL: join(site, "static", "pyodide") + "/",
  lockFileURL: join(site, "wheels", "pyodide-lock.json"),
  env: { LABKIT_PROGRESS: "/tmp/labkit-progress.json", LABKIT_INSTRUCTOR: "0", HOME: "/home/pyodide" },
});
const timings = { load_pyodide_s: (performance.now() - t0) / 1000 };
let t = performance.now();
await py.loadPackage(["micropip", "ipython"], { messageCallback: () => {} });
await py.runPythonAsync("import micropip\nawait micropip.install('labkit')");
timings.install_s = (performance.now() - t) / 1000;
py.FS.writeFile("/tmp/job.json", readFileSync(jobPath));
py.FS.writeFile("/tmp/runner.py", readFileSync(join(here, "runner.py")));
t = performance.now();
await py.runPythonAsync("import sys; sys.path.insert(0, '/tmp'); import runner; await runner.main()");
timings.run_s = (performance.now() - t) / 1000;
const result = JSON.parse(py.FS.readFile("/tmp/result.json", { encoding: "utf8" }));
result.timings = { ...timings, ...result.timings };
result.wasm_heap_mb = py._module.HEAPU8.length / 2 ** 20;
writeFileSync(outPath, JSON.stringify(result));

// bench/lite.py: lesson 00's steps up to its first trace, in a bare Web Worker (no JupyterLab), with the
// same Pyodide core, lock and preloaded kernel packages as the site's kernel. Posts "step seconds" lines.
const site = new URL("../", location.href).href;
const { loadPyodide } = await import(site + "static/pyodide/pyodide.mjs");
const settings = await (await fetch(site + "jupyter-lite.json")).json();
const kernel = settings["jupyter-config-data"].litePluginSettings["@jupyterlite/pyodide-kernel-extension:kernel"];
let t = performance.now();
const lap = (step) => { const now = performance.now(); postMessage(`${step} ${((now - t) / 1000).toFixed(3)}`); t = now; };
const py = await loadPyodide({
  indexURL: site + "static/pyodide/",
  lockFileURL: site + "wheels/pyodide-lock.json",
  packages: kernel.loadPyodideOptions.packages,
  env: { HOME: "/home/pyodide" },
});
lap("load_pyodide_and_kernel_packages");
await py.runPythonAsync("import pyodide_kernel");
lap("import_kernel");
await py.runPythonAsync("import micropip\nawait micropip.install('labkit')");
lap("install_labkit");
const steps = [
  ["import_labkit", "import labkit as lk"],
  ["lab", "lab = lk.Lab(); session = lab.session"],
  ["network", "ids = lk.samples.build_private_public(session)"],
  ["function", "lk.samples.create_function(session, 'my-function', ids['private_subnet_ids'], [ids['security_group_id']])"],
  ["topology", "topo = lk.Topology.from_boto3(session)"],
  ["first_trace", "t = lk.trace(topo, 'my-function', 'internet'); t.summary()"],
];
for (const [step, code] of steps) {
  await py.runPythonAsync(code);
  lap(step);
}
postMessage("done");

"""The Lambda control plane of the offline lab (``lk.Lab``): what moto lacks for this subject.

Modules, one per AWS concept:

* ``clock`` — the lab clock and duration parsing; ``timings`` — the one table of timings;
* ``states`` — function states and last-update statuses as transition tables;
* ``enis`` — Hyperplane ENIs shared per subnet + security-group combination;
* ``validation`` — what Lambda checks in a ``VpcConfig``; ``permissions`` — policy-restricted clients;
* ``exceptions`` — one class per AWS error code; ``responses`` — short-circuit responses;
* ``control_plane`` — the hooks' logic; ``waiters`` — boto3 waiters on the lab clock;
* ``deploy`` — CloudFormation with moto's gaps filled; ``mock`` — moto, once per process;
* ``runtime`` — runs a function's handler in-process for ``Invoke``.

Importing this package imports neither boto3 nor moto; ``lk.Lab()`` does.
"""

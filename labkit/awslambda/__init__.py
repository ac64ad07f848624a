"""The Lambda control plane of the offline lab (``lk.Lab``): what moto lacks for this subject.

Rooms, one concept each:

* ``clock`` — the lab clock and duration parsing;
* ``timings`` — the one table of timings;
* ``states`` — function states and last-update statuses as transition tables;
* ``enis`` — Hyperplane ENIs shared per subnet + security-group combination;
* ``validation`` — what Lambda checks in a ``VpcConfig`` and an execution role;
* ``permissions`` — policy-restricted clients and AWS's authorization errors;
* ``exceptions`` — one class per AWS error code;
* ``response_builders`` — the botocore responses the hooks answer with;
* ``control_plane`` — the hooks' entry points: tables from operation name to step;
* ``lifecycle`` — function records, creation, updates and idleness on the lab clock;
* ``invoke`` — Invoke's wire format and the network gate of an invocation;
* ``ec2_hooks`` — moto's EC2 gaps filled, deletions an ENI depends on refused;
* ``waiters`` — boto3 waiters on the lab clock;
* ``cfn_templates`` — CloudFormation templates read (path, text, shipped name) and checked before a deploy;
* ``deploy`` — CloudFormation with moto's gaps filled;
* ``mock`` — moto, once per process;
* ``elasticache_hooks`` — the cache clusters' security groups and nodes, which moto drops;
* ``moto_patches`` / ``moto_lazy`` — moto's gaps filled at start-up, and the containers that load lazily;
* ``moto_canary`` — fails by name when a moto upgrade moves what the patches rely on;
* ``runtime`` — runs a function's handler in-process (environments, logs, sandbox, context, payloads);
* ``errors`` — the lab's own errors (closed lab, bad duration or template…), raised as Python errors.

The facts about an execution role (trust policy, network-interface actions) live in ``labkit.iam.lambda_role``.
Importing this package imports neither boto3 nor moto; ``lk.Lab()`` does.
"""

"""The VPC side of labkit: a model of an account's networks, the graph built from it, and reachability.

Rooms, one concept each; a room imports only rooms listed above it (``Topology.from_boto3`` and
``Topology.graph`` reach down with imports inside the function), and none imports boto3 at load time:

* ``protocols`` — route target kinds, protocol numbers and names, port text, service names, the prefix mask.
* ``resources`` — frozen dataclasses, one per AWS networking concept.
* ``model`` — ``Topology``: the resources of an account, with its look-ups (re-exports ``resources``).
* ``describe`` — describe/list output (boto3 dicts) → model objects: ``build_topology``.
* ``importer`` — reads an account with the read-only calls of ``IMPORTER_CALLS`` (the guard's allow-list).
* ``graph`` — the topology as a networkx graph: the structure traces walk and pictures show.
* ``results`` — what a trace returns: ``Trace`` → ``Path`` → ``Hop``, blocker codes.
* ``databases`` — ``"rds:NAME"`` and ``"elasticache:NAME"`` destinations (read lazily, cached).
* ``reach`` — ``trace`` and ``can_reach``: ``destinations``, ``rules``, ``checks``, ``walk``.
* ``errors`` — unknown resources, bad destinations and sources, AWS access and set-up errors.
"""

"""The exposure map: what the internet can reach, and what it can touch from there.

Built by ``scan`` from the resources it judged and the findings the pack gave, with the same analyses the
rules use (``core/reach.py`` for what invokes what, ``core/roles.py`` for what a role may do), so the map
and the findings never disagree:

- **entry points**: public function URLs and permissions, APIs (REST, HTTP, the routes of an OpenAPI body),
  internet-facing load balancers, and queues, topics and buckets anyone may write to;
- **functions** they reach (invokes), and the functions that queues, streams, topics and buckets trigger;
- **roles** the functions run as;
- **data stores** the roles may read, write or administer: tables, buckets, queues, topics, secrets, keys,
  parameters, streams and state machines.

Every node and edge carries the worst finding on the resource that makes it; a path from a public entry
point to a data store is marked end to end. ``layout`` places the layers left to right with networkx
(``multipartite_layout``), each layer ordered to keep edges short.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .core import aws, reach, roles
from .core.governance import DEFAULT_CONTEXT
from .core.resource import Resource
from .core.stack import StackIndex
from .core.values import decode

LAYERS = ("entry", "function", "role", "store")
SEVERITY_RANK = {"info": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}

PARAMETER = aws.SSM_PARAMETER
# data stores: type -> (kind shown, service prefix, the actions that read it, write it, administer it)
STORES = {
    aws.TABLE: ("table", ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"),
                ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
                ("dynamodb:DeleteTable", "dynamodb:PutResourcePolicy")),
    **{t: ("bucket", ("s3:GetObject", "s3:ListBucket"), ("s3:PutObject", "s3:DeleteObject"),
           ("s3:PutBucketPolicy", "s3:DeleteBucket")) for t in aws.BUCKETS},
    aws.QUEUE: ("queue", ("sqs:ReceiveMessage",), ("sqs:SendMessage", "sqs:DeleteMessage"),
                ("sqs:SetQueueAttributes", "sqs:DeleteQueue")),
    aws.TOPIC: ("topic", ("sns:Subscribe",), ("sns:Publish",), ("sns:SetTopicAttributes", "sns:DeleteTopic")),
    aws.SECRET: ("secret", ("secretsmanager:GetSecretValue",), ("secretsmanager:PutSecretValue",),
                 ("secretsmanager:PutResourcePolicy", "secretsmanager:DeleteSecret")),
    aws.KMS_KEY: ("key", ("kms:Decrypt",), ("kms:Encrypt", "kms:GenerateDataKey"),
                  ("kms:PutKeyPolicy", "kms:ScheduleKeyDeletion")),
    PARAMETER: ("parameter", ("ssm:GetParameter",), ("ssm:PutParameter",), ("ssm:DeleteParameter",)),
    aws.KINESIS_STREAM: ("stream", ("kinesis:GetRecords",), ("kinesis:PutRecord", "kinesis:PutRecords"),
                         ("kinesis:DeleteStream",)),
    aws.STATE_MACHINE: ("state machine", ("states:DescribeExecution",), ("states:StartExecution",),
                        ("states:DeleteStateMachine", "states:UpdateStateMachine")),
}
# the resources that configure a node (an API's methods and stages, a role's policies, a bucket's policy and
# settings): their findings are the node's, as a reviewer reads them
SATELLITES = {
    aws.REST_API: (aws.REST_METHOD, aws.REST_STAGE, aws.REST_INTEGRATION, aws.REST_API_POLICY,
                   aws.REST_METHOD_SETTINGS, aws.REST_DEPLOYMENT),
    aws.HTTP_API: (aws.HTTP_ROUTE, aws.HTTP_STAGE, aws.HTTP_INTEGRATION),
    aws.ROLE: (aws.ROLE_POLICY, aws.ROLE_POLICY_ATTACHMENT, aws.POLICY_ATTACHMENT),
    **{t: (aws.BUCKET_PAB, aws.BUCKET_POLICY, aws.BUCKET_OWNERSHIP, *aws.BUCKET_ACLS, *aws.BUCKET_SSES,
           *aws.BUCKET_VERSIONINGS, *aws.BUCKET_LOGGINGS, *aws.BUCKET_WEBSITES) for t in aws.BUCKETS},
    aws.QUEUE: (aws.QUEUE_POLICY, aws.REDRIVE_POLICY),
    aws.TOPIC: (aws.TOPIC_POLICY,),
    aws.SECRET: (aws.SECRET_POLICY, aws.SECRET_ROTATION),
    aws.KMS_KEY: (aws.KMS_KEY_POLICY,),
}
# findings that say a store accepts writes from anyone: it is then an entry point too
OPEN_WRITE = {"event-source-open-write", "sqs-policy-public", "sns-policy-public", "s3-policy-public",
              "s3-acl-public"}


@dataclass
class Node:
    id: str            # the resource's URN
    layer: str         # one of LAYERS
    label: str         # the resource's name, as the program wrote it
    kind: str          # "function URL", "REST API", "role", "table"...
    type: str
    public: bool = False
    worst: str = ""    # the worst finding's severity on it ("" when none)
    mandatory: bool = False
    findings: list = field(default_factory=list)   # indexes into the report's findings
    on_path: bool = False


@dataclass
class Edge:
    source: str
    target: str
    kind: str          # "invokes", "triggers", "runs as", "read", "write", "admin"
    via: str = ""      # the URN of the resource that makes the edge (its findings mark it)
    worst: str = ""
    mandatory: bool = False
    on_path: bool = False


@dataclass
class Graph:
    nodes: dict = field(default_factory=dict)   # id -> Node
    edges: list = field(default_factory=list)

    def add(self, resource: Resource, layer: str, kind: str, public: bool = False) -> Node:
        node = self.nodes.get(resource.urn)
        if node is None:
            node = self.nodes[resource.urn] = Node(resource.urn, layer, resource.name, kind, resource.type)
        elif LAYERS.index(layer) < LAYERS.index(node.layer):   # a store anyone writes to is an entry too
            node.layer = layer
        node.public = node.public or public
        return node

    def link(self, source: str, target: str, kind: str, via: str = "") -> None:
        if source in self.nodes and target in self.nodes and not any(
                e.source == source and e.target == target and e.kind == kind for e in self.edges):
            self.edges.append(Edge(source, target, kind, via))


def stack_of(records) -> StackIndex:
    """The judged resources as the rules see them (outputs, decoded as the pack decodes them)."""
    resources = []
    for r in records:
        secrets: set = set()
        props = decode(r.outputs if isinstance(r.outputs, dict) else {}, secrets)
        resources.append(Resource(r.type, r.name, r.urn, props, frozenset(secrets), parent=r.parent or "",
                                  dependencies=tuple(r.dependencies),
                                  property_dependencies={k: tuple(v) for k, v in r.property_dependencies.items()},
                                  context=DEFAULT_CONTEXT))
    return StackIndex(resources, DEFAULT_CONTEXT)


def build(records, findings) -> Graph:
    """The exposure map of one stack: its resources (``records``) and the findings a scan reported on them."""
    stack = stack_of(records)
    g = Graph()
    _entries(stack, g)
    _functions(stack, g)
    _grants(stack, g)
    _mark(g, findings, _members(stack, g))
    _paths(g)
    return g


def _members(stack: StackIndex, g: Graph) -> dict:
    """URN of a resource whose findings are a node's -> the node: the node's own resource and the resources
    that configure it (``SATELLITES``)."""
    out = {nid: nid for nid in g.nodes}
    for nid in g.nodes:
        resource = stack.by_urn.get(nid)
        kinds = SATELLITES.get(resource.type, ()) if resource is not None else ()
        if resource is not None and kinds:
            for satellite in stack.referrers(resource, *kinds):
                out.setdefault(satellite.urn, nid)
    return out


def _kind(resource: Resource) -> str:
    return {aws.FUNCTION_URL: "function URL", aws.PERMISSION: "permission", aws.REST_API: "REST API",
            aws.HTTP_API: "HTTP API"}.get(resource.type, resource.type.rsplit(":", 1)[-1])


def _entries(stack: StackIndex, g: Graph) -> None:
    """Every API, load balancer and function URL is an entry point, whether or not it reaches a function yet;
    with the functions each reaches."""
    for entry in stack.of_type(aws.REST_API, aws.HTTP_API, aws.FUNCTION_URL, *reach.LOAD_BALANCER):
        public = (entry.type != aws.FUNCTION_URL or entry.get("authorizationType") == "NONE") and \
            entry.get("internal") is not True
        g.add(entry, "entry", _kind(entry), public=public and not _private(entry))
    for routes, public in ((reach.public_invocations(stack), True), (reach.api_routes(stack), True),
                           (reach.load_balancer_routes(stack), True)):
        for entry_urn, fns in routes.items():
            entry = stack.by_urn.get(entry_urn)
            if entry is None:
                continue
            g.add(entry, "entry", _kind(entry), public=public and not _private(entry))
            for fn_urn in fns:
                fn = stack.by_urn.get(fn_urn)
                if fn is not None:
                    g.add(fn, "function", "function")
                    g.link(entry.urn, fn.urn, "invokes", via=entry.urn)


def _private(entry: Resource) -> bool:
    return entry.type == aws.REST_API and "PRIVATE" in str(entry.get("endpointConfiguration") or "")


def _functions(stack: StackIndex, g: Graph) -> None:
    """Every function, the role it runs as, and what triggers it (queues, streams, tables, topics, buckets)."""
    for fn in stack.of_type(aws.FUNCTION):
        g.add(fn, "function", "function")
        for role in roles.function_roles(stack, fn):
            g.add(role, "role", "role")
            g.link(fn.urn, role.urn, "runs as", via=role.urn)
    for via, source_prop, source_types, fn_prop in TRIGGERS:
        for trigger in stack.of_type(via):
            for source in stack.targets(trigger, source_prop, *source_types):
                for fn in stack.targets(trigger, fn_prop, aws.FUNCTION):
                    g.add(source, "store", STORES[source.type][0])
                    g.link(source.urn, fn.urn, "triggers", via=trigger.urn)


# what makes a store trigger a function: (the resource, its source property and types, its function property)
TRIGGERS = ((aws.EVENT_SOURCE_MAPPING, "eventSourceArn", (aws.QUEUE, aws.KINESIS_STREAM, aws.TABLE), "functionName"),
            (aws.TOPIC_SUBSCRIPTION, "topic", (aws.TOPIC,), "endpoint"),
            (aws.BUCKET_NOTIFICATION, "bucket", aws.BUCKETS, "lambdaFunctions"))


def _grants(stack: StackIndex, g: Graph) -> None:
    """What each role of the map may do to each data store: admin, else write, else read (its identity
    policies, AWS managed ones included, as ``roles.role_can`` reads them)."""
    role_nodes = [stack.by_urn[n.id] for n in list(g.nodes.values()) if n.layer == "role" and n.id in stack.by_urn]
    stores = [r for r in stack.resources if r.type in STORES]
    for store in stores:   # every data store is on the map, reached or not
        g.add(store, "store", STORES[store.type][0])
    for role in role_nodes:
        for store in stores:
            kind, read, write, admin = STORES[store.type]
            for access, actions in (("admin", admin), ("write", write), ("read", read)):
                if any(roles.role_can(stack, role, a, store) for a in actions):
                    g.add(store, "store", kind)
                    g.link(role.urn, store.urn, access, via=role.urn)
                    break


def _worse(a: tuple, b: tuple) -> tuple:
    return a if a >= b else b


def _mark(g: Graph, findings, members: dict) -> None:
    """Each node (and each edge, by the resource that makes it) with the worst finding on it or on what
    configures it; a store with a finding that says anyone may write to it is a public entry point."""
    worst: dict = {}
    for i, f in enumerate(findings):
        if getattr(f, "notice", False) or not f.urn:
            continue
        rank = (f.level == "mandatory", SEVERITY_RANK.get(f.severity, 0))
        owner = members.get(f.urn, f.urn)
        worst[owner] = _worse(worst.get(owner, (False, 0)), rank)
        node = g.nodes.get(owner)
        if node is not None:
            node.findings.append(i)
            if f.policy in OPEN_WRITE:
                node.public = True
    names = {v: k for k, v in SEVERITY_RANK.items()}
    for node in g.nodes.values():
        mandatory, rank = worst.get(node.id, (False, 0))
        node.worst, node.mandatory = names.get(rank, ""), mandatory
    for edge in g.edges:
        mandatory, rank = worst.get(edge.via, (False, 0))
        edge.worst, edge.mandatory = names.get(rank, ""), mandatory


GRANTS = ("read", "write", "admin")


def _paths(g: Graph) -> None:
    """Mark every node and edge on a path from a public entry point to a data store: what a public entry
    reaches (forwards), met with what reaches a store through a grant (backwards)."""
    forward = _closure({n.id for n in g.nodes.values() if n.public}, [(e.source, e.target) for e in g.edges])
    granted = {e.target for e in g.edges if e.kind in GRANTS}
    backward = _closure({e.source for e in g.edges if e.kind in GRANTS}, [(e.target, e.source) for e in g.edges])
    on = forward & (backward | granted)
    for e in g.edges:
        e.on_path = e.source in on and e.target in on and (e.target in backward or e.kind in GRANTS)
    ends = {end for e in g.edges if e.on_path for end in (e.source, e.target)}
    for n in g.nodes.values():
        n.on_path = n.id in ends


def _closure(start: set, pairs: list) -> set:
    """Every node reachable from ``start`` along ``pairs`` (from, to)."""
    following: dict = {}
    for a, b in pairs:
        following.setdefault(a, []).append(b)
    seen, todo = set(start), list(start)
    while todo:
        for nxt in following.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def layout(g: Graph, width: float = 1000.0, row: float = 56.0) -> dict:
    """Node id -> (x, y): the layers left to right (networkx ``multipartite_layout``), each ordered by the
    mean position of its neighbours in the layer before (two sweeps), so edges stay short."""
    import networkx as nx   # lazy: only a scan that writes --html needs it

    order: dict = {layer: sorted((n for n in g.nodes.values() if n.layer == layer), key=lambda n: n.label)
                   for layer in LAYERS}
    neighbours: dict = {}
    for e in g.edges:
        neighbours.setdefault(e.target, []).append(e.source)
        neighbours.setdefault(e.source, []).append(e.target)
    for _ in range(2):
        for i, layer in enumerate(LAYERS[1:], 1):
            before = {n.id: k for k, n in enumerate(order[LAYERS[i - 1]])}
            order[layer].sort(key=lambda n: (sum(before[m] for m in neighbours.get(n.id, ()) if m in before) /
                                             max(1, sum(1 for m in neighbours.get(n.id, ()) if m in before)))
                              if any(m in before for m in neighbours.get(n.id, ())) else len(before))
    graph = nx.DiGraph()
    for i, layer in enumerate(LAYERS):
        for n in order[layer]:
            graph.add_node(n.id, layer=i)
    graph.add_edges_from((e.source, e.target) for e in g.edges)
    if not graph.nodes:
        return {}
    positions = nx.multipartite_layout(graph, subset_key="layer", align="vertical")
    tallest = max(len(v) for v in order.values()) or 1
    ys = [p[1] for p in positions.values()]
    low, high = min(ys), max(ys)
    span = (high - low) or 1.0
    height = max(1, tallest - 1) * row
    return {nid: (80 + LAYERS.index(g.nodes[nid].layer) * (width - 160) / (len(LAYERS) - 1),
                  float(40 + (high - float(p[1])) / span * height)) for nid, p in positions.items()}

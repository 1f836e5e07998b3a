"""The floor: the stock SDK with one no-op resource policy and one no-op stack policy.

It measures what any Python pack pays per Analyze (the gRPC call, the SDK's runtime settings, one
deserialization) and per AnalyzeStack (one deserialization of every resource)."""
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy, StackValidationPolicy

PolicyPack(name="floor", enforcement_level=EnforcementLevel.ADVISORY, policies=[
    ResourceValidationPolicy(name="noop", description="does nothing", validate=lambda args, report: None),
    StackValidationPolicy(name="noop-stack", description="does nothing", validate=lambda args, report: None),
])

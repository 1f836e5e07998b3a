"""serverless-guard: Pulumi policies for AWS serverless applications, one module per risk category
of the Serverless Top 10 (SAS-1 ... SAS-10). Importing this package registers every rule."""
from .core import REGISTRY  # noqa: F401
from . import (sas01_injection, sas02_authentication, sas03_deployment_config, sas04_privileges,  # noqa: F401
               sas05_monitoring, sas06_dependencies, sas07_secrets, sas08_dos_wallet, sas09_execution_flow,
               sas10_verbose_errors)

__version__ = "0.1.0"

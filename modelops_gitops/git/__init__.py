"""TEMP"""

from modelops_gitops.git.process import *  # noqa: F403
from modelops_gitops.git.process import attempt, run  # noqa: F401

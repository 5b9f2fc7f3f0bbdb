"""Helpers for people who extend modelops-gitops: `deploy_targets.check_target` drives a deploy
target through the contract in docs/deploy-targets.md."""

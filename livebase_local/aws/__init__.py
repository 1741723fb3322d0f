"""The local AWS: moto server processes and their patches, template deploy and evaluation, the client environment."""

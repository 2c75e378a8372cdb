"""Package layout: one import namespace over the product's top-level folders.

train/, export/ and device_bench/ install as signport.train, signport.export and
signport.device_bench (never as generic top-level modules in site-packages). The mapping
lives here because pyproject.toml cannot compute the sub-package list for mapped folders.
"""
from setuptools import find_packages, setup

PACKAGE_DIRS = {
    "signport": "signport",
    "signport.train": "train",
    "signport.export": "export",
    "signport.device_bench": "device_bench",
}


def _packages() -> list[str]:
    packages = []
    for name, folder in PACKAGE_DIRS.items():
        packages.append(name)
        packages += [f"{name}.{sub}" for sub in find_packages(folder)]
    return packages


setup(packages=_packages(), package_dir=PACKAGE_DIRS)

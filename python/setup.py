# SPDX-License-Identifier: MIT
# python/setup.py: pyproject.toml has the metadata; this only makes the
# wheel a platform wheel (py3-none-linux_x86_64 and the like): it carries a
# compiled library (sqlite_remote/libsqlite_remote.so) but no Python
# extension module, so any Python 3 on that platform can use it.
from setuptools import setup
from setuptools.dist import Distribution

try:
    from wheel.bdist_wheel import bdist_wheel
except ImportError:  # no wheel package: setup.py sdist and the like
    bdist_wheel = None


class BinaryDistribution(Distribution):
    def has_ext_modules(self):
        return True


cmdclass = {}
if bdist_wheel is not None:
    class PlatformWheel(bdist_wheel):
        def finalize_options(self):
            super().finalize_options()
            self.root_is_pure = False

        def get_tag(self):
            _, _, plat = super().get_tag()
            return "py3", "none", plat

    cmdclass["bdist_wheel"] = PlatformWheel

setup(distclass=BinaryDistribution, cmdclass=cmdclass)

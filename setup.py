from setuptools import find_packages, setup

requires = [
    "pyramid>=2.0",
    "pyramid_tm>=2.5",
    "transaction>=4.0",
    "zope.sqlalchemy>=3.1",
    "SQLAlchemy>=2.0,<2.2",
    "alembic>=1.13",
    "psycopg2-binary>=2.9",
    "argon2-cffi>=23.1",
    "gunicorn>=24.0",  # reuse_port gives each worker its own socket (cli.gunicorn_options)
    "orjson>=3.9",
    "plaster_pastedeploy>=1.0",
]

tests_require = [
    "pytest>=8",
    "pytest-xdist>=3.5",
    "WebTest>=3.0",
    "ruff>=0.6",
    "aiosmtpd>=1.4",
    "openapi-spec-validator>=0.7",
    "schemathesis>=4.0",
]

setup(
    name="restworkx",
    version="1.0.0",
    description="Provisioning and call-routing API for ECF, ICR, CIN and ISNA",
    package_dir={"": "src"},
    packages=find_packages("src"),
    include_package_data=True,
    package_data={"restworkx": ["migrations/*.py", "migrations/*.mako", "migrations/versions/*.py"]},
    zip_safe=False,
    python_requires=">=3.11",
    install_requires=requires,
    extras_require={"test": tests_require},
    entry_points={
        "paste.app_factory": ["main = restworkx:main"],
        "console_scripts": ["restworkx = restworkx.cli:main"],
    },
)

"""Import-linter contract types for Jiguan's layers (pyproject.toml [tool.importlinter], `make lint-imports`).

Both contracts find the domain apps themselves: every direct child of the root package that is
neither a kernel app (`kernel`) nor one of the listed non-apps (`not_apps`: settings, the root
conftest, the browser suite) is a domain app. A new domain app (meetings, spaces, warehouse,
vehicles, ...) is therefore covered the moment its package exists, without editing the contracts;
a new kernel app must be added to `kernel` (until it is, the kernel importing it breaks the
kernel contract, which is the safe way round).

- `kernel` (KernelContract): no module of a kernel app imports a domain app, directly or through
  a chain of imports (import-linter's forbidden contract over the computed domain apps).
- `domain_api` (DomainApiContract): a domain app imports another domain app only through its
  public modules (`allowed`, default `services` and `selectors`, and their submodules); direct
  imports are checked (what the public module imports in its own app is its own business).

lint-imports puts the working directory on sys.path, so `tools.import_contracts` is importable
when it runs from the repository root.
"""

from __future__ import annotations

from grimp import ImportGraph
from importlinter.application import contract_utils, output
from importlinter.application.contract_utils import AlertLevel
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck, InvalidContractOptions


def _lines(numbers) -> str:
    return ", ".join("l.?" if number is None else f"l.{number}" for number in numbers)


class _AppsContract(Contract):
    """Options shared by both contracts: which children of the root are kernel apps and which are no app."""

    kernel = fields.SetField(subfield=fields.StringField())
    not_apps = fields.SetField(subfield=fields.StringField(), required=False, default=set())
    broken_contract_guidance = fields.TextField(required=False)

    def validate(self) -> None:
        names = set(self.kernel) | set(self.not_apps)
        if len({name.split(".")[0] for name in names}) != 1 or any(name.count(".") != 1 for name in names):
            raise InvalidContractOptions({"kernel": "kernel and not_apps name children of one root package"})

    def domain_apps(self, graph: ImportGraph) -> list[str]:
        """The root package's children that are neither kernel apps nor listed non-apps."""
        kernel, not_apps = set(self.kernel), set(self.not_apps)
        missing = sorted(name for name in kernel | not_apps if name not in graph.modules)
        if missing:
            raise ValueError(f"{self.name}: no such module {', '.join(missing)} (remove it from the contract)")
        root = next(iter(kernel)).split(".")[0]
        return sorted(set(graph.find_children(root)) - kernel - not_apps)


class KernelContract(_AppsContract):
    """The kernel apps never import a domain app (domain apps are found, not listed)."""

    type_name = "kernel"

    ignore_imports = fields.ListField(subfield=fields.StringField(), required=False, default=[])

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        domain = self.domain_apps(graph)
        output.verbose_print(verbose, f"Domain apps: {', '.join(domain) or 'none'}")
        if not domain:
            return ContractCheck(kept=True, metadata={"domain": [], "forbidden": None})
        options = {"source_modules": sorted(self.kernel), "forbidden_modules": domain}
        if self.ignore_imports:
            options["ignore_imports"] = list(self.ignore_imports)
        forbidden = ForbiddenContract(self.name, self.session_options, options)
        result = forbidden.check(graph, verbose)
        result.metadata.update(domain=domain, forbidden=forbidden)
        return result

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print(f"Domain apps (every child of the root that is not in kernel or not_apps): "
                     f"{', '.join(check.metadata['domain'])}")
        output.new_line()
        check.metadata["forbidden"].render_broken_contract(check)
        contract_utils.render_broken_contract_guidance(self.broken_contract_guidance)


class DomainApiContract(_AppsContract):
    """A domain app imports another domain app only through the allowed public modules."""

    type_name = "domain_api"

    allowed = fields.SetField(subfield=fields.StringField(), required=False, default={"services", "selectors"})
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph, ignore_imports=self.ignore_imports, unmatched_alerting=AlertLevel.ERROR)
        domain = self.domain_apps(graph)
        output.verbose_print(verbose, f"Domain apps: {', '.join(domain) or 'none'}")

        def app_of(module: str) -> str | None:
            for app in domain:
                if module == app or module.startswith(app + "."):
                    return app
            return None

        violations = []
        for app in domain:
            for importer in sorted({app} | graph.find_descendants(app)):
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    other = app_of(imported)
                    if other is None or other == app:
                        continue
                    public = imported[len(other) + 1:].split(".")[0] if imported != other else ""
                    if public in self.allowed:
                        continue
                    lines = tuple(detail["line_number"] for detail in
                                  graph.get_import_details(importer=importer, imported=imported)) or (None,)
                    violations.append({"importer": importer, "imported": imported, "app": other,
                                       "line_numbers": lines})
        return ContractCheck(kept=not violations, warnings=list(removal.warnings),
                             ignored_import_count=removal.ignored_import_count,
                             metadata={"violations": violations, "domain": domain})

    def render_broken_contract(self, check: ContractCheck) -> None:
        allowed = " or ".join(sorted(self.allowed))
        output.print(f"Domain apps: {', '.join(check.metadata['domain'])}; another app is imported only "
                     f"through its {allowed} modules.")
        output.new_line()
        for violation in check.metadata["violations"]:
            output.print_error(f"-   {violation['importer']} -> {violation['imported']} "
                               f"({_lines(violation['line_numbers'])})", bold=False)
        output.new_line()
        contract_utils.render_broken_contract_guidance(self.broken_contract_guidance)

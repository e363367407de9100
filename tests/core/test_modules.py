"""Modules: ``configure(self, binder)`` and ``@provider`` methods keyed by return annotation."""

from typing import Protocol

import pytest

from injectq import Binder, BindingError, InjectQ, Module, ScopeError, provider, scoped, singleton


class Settings:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn


class IRepository(Protocol):
    def find(self) -> str: ...


class SqlRepository:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def find(self) -> str:
        return f"row from {self.settings.dsn}"


class Connection:
    pass


class Mailer:
    pass


class UnitOfWork:
    pass


def test_installing_a_module_calls_configure_with_a_binder(container: InjectQ) -> None:
    received: list[object] = []

    class RecordingModule(Module):
        def configure(self, binder: Binder) -> None:
            received.append(binder)

    container.install(RecordingModule())

    assert len(received) == 1
    assert isinstance(received[0], Binder)


def test_binder_bind_registers_instances_and_classes(container: InjectQ) -> None:
    settings = Settings("sqlite://")

    class InfrastructureModule(Module):
        def configure(self, binder: Binder) -> None:
            binder.bind(Settings, settings)
            binder.bind(IRepository, SqlRepository)

    container.install(InfrastructureModule())

    repository = container.get(IRepository)
    assert isinstance(repository, SqlRepository)
    assert repository.settings is settings
    assert container.get(IRepository) is repository


def test_binder_bind_honours_the_scope_argument(container: InjectQ) -> None:
    class RequestModule(Module):
        def configure(self, binder: Binder) -> None:
            binder.bind(UnitOfWork, UnitOfWork, scope="scoped")

    container.install(RequestModule())

    with container.scope():
        first = container.get(UnitOfWork)
        assert container.get(UnitOfWork) is first
    with container.scope():
        assert container.get(UnitOfWork) is not first
    with pytest.raises(ScopeError):
        container.get(UnitOfWork)


def test_binder_bind_factory_registers_a_factory(container: InjectQ) -> None:
    calls: list[Connection] = []

    def connect() -> Connection:
        calls.append(Connection())
        return calls[-1]

    class DatabaseModule(Module):
        def configure(self, binder: Binder) -> None:
            binder.bind_factory(Connection, connect, scope="singleton")

    container.install(DatabaseModule())

    assert container.get(Connection) is container.get(Connection)
    assert len(calls) == 1


def test_provider_method_is_keyed_by_its_return_annotation(container: InjectQ) -> None:
    class ConfigModule(Module):
        @provider
        def settings(self) -> Settings:
            return Settings("postgres://prod")

    container.install(ConfigModule())

    assert container.get(Settings).dsn == "postgres://prod"


def test_provider_method_is_transient_by_default(container: InjectQ) -> None:
    class ConfigModule(Module):
        @provider
        def mailer(self) -> Mailer:
            return Mailer()

    container.install(ConfigModule())

    assert container.get(Mailer) is not container.get(Mailer)


def test_provider_scope_argument_sets_the_lifetime(container: InjectQ) -> None:
    calls: list[Mailer] = []

    class MailModule(Module):
        @provider(scope="singleton")
        def mailer(self) -> Mailer:
            calls.append(Mailer())
            return calls[-1]

    container.install(MailModule())

    assert container.get(Mailer) is container.get(Mailer)
    assert len(calls) == 1


def test_provider_with_a_scoped_mark_is_one_per_scope(container: InjectQ) -> None:
    class RequestModule(Module):
        @provider
        @scoped
        def unit_of_work(self) -> UnitOfWork:
            return UnitOfWork()

    container.install(RequestModule())

    with container.scope():
        first = container.get(UnitOfWork)
        assert container.get(UnitOfWork) is first
    with container.scope():
        assert container.get(UnitOfWork) is not first


def test_provider_with_a_singleton_mark_is_called_once(container: InjectQ) -> None:
    calls: list[Mailer] = []

    class MailModule(Module):
        @provider
        @singleton
        def mailer(self) -> Mailer:
            calls.append(Mailer())
            return calls[-1]

    container.install(MailModule())

    assert container.get(Mailer) is container.get(Mailer)
    assert len(calls) == 1


def test_provider_method_parameters_are_injected(container: InjectQ) -> None:
    settings = Settings("sqlite://")
    container.bind(Settings, settings)

    class RepositoryModule(Module):
        @provider
        def repository(self, settings: Settings) -> IRepository:
            return SqlRepository(settings)

    container.install(RepositoryModule())

    repository = container.get(IRepository)
    assert isinstance(repository, SqlRepository)
    assert repository.settings is settings


def test_provider_method_runs_bound_to_the_installed_module_instance(
    container: InjectQ,
) -> None:
    class ConfigModule(Module):
        def __init__(self, dsn: str) -> None:
            self.dsn = dsn

        @provider
        def settings(self) -> Settings:
            return Settings(self.dsn)

    container.install(ConfigModule("redis://cache"))

    assert container.get(Settings).dsn == "redis://cache"


async def test_async_provider_method_is_awaited_by_aget(container: InjectQ) -> None:
    class AsyncModule(Module):
        @provider
        async def connection(self) -> Connection:
            return Connection()

    container.install(AsyncModule())

    assert isinstance(await container.aget(Connection), Connection)


def test_configure_and_providers_work_together_in_one_module(container: InjectQ) -> None:
    class AppModule(Module):
        def configure(self, binder: Binder) -> None:
            binder.bind(Settings, Settings("sqlite://app"))

        @provider(scope="singleton")
        def repository(self, settings: Settings) -> IRepository:
            return SqlRepository(settings)

    container.install(AppModule())

    assert container.get(IRepository).find() == "row from sqlite://app"


def test_one_module_installed_in_two_containers_gives_independent_services() -> None:
    class MailModule(Module):
        @provider(scope="singleton")
        def mailer(self) -> Mailer:
            return Mailer()

    module = MailModule()
    first = InjectQ()
    second = InjectQ()
    first.install(module)
    second.install(module)

    assert first.get(Mailer) is first.get(Mailer)
    assert first.get(Mailer) is not second.get(Mailer)


# --- two modules, one key ---------------------------------------------------------------


class SqlModule(Module):
    def configure(self, binder: Binder) -> None:
        binder.bind(IRepository, SqlRepository)
        binder.bind(Settings, Settings("sql"))


class MemoryRepository:
    def find(self) -> str:
        return "memory"


class MemoryModule(Module):
    def configure(self, binder: Binder) -> None:
        binder.bind(Mailer, Mailer)
        binder.bind(IRepository, MemoryRepository)


class FakeRepositoryModule(MemoryModule):
    overrides = True


class ProvidingModule(Module):
    @provider
    def repository(self) -> IRepository:
        return MemoryRepository()


@pytest.mark.parametrize("later", [MemoryModule, ProvidingModule])
def test_two_modules_binding_one_key_is_an_error_naming_both_and_the_key(
    container: InjectQ, later: type[Module]
) -> None:
    container.install(SqlModule())
    with pytest.raises(BindingError) as raised:
        container.install(later())
    message = str(raised.value)
    assert "IRepository is bound by two modules" in message
    assert "SqlModule" in message
    assert later.__qualname__ in message
    assert "overrides = True" in message  # the fix names the flag


def test_a_failed_install_leaves_none_of_the_modules_bindings(container: InjectQ) -> None:
    container.install(SqlModule())
    with pytest.raises(BindingError):
        container.install(MemoryModule())  # binds Mailer, then fails on IRepository
    assert not container.is_bound(Mailer)
    assert isinstance(container.get(IRepository), SqlRepository)


def test_a_module_that_says_it_overrides_replaces_earlier_bindings(container: InjectQ) -> None:
    container.install(SqlModule())
    container.install(FakeRepositoryModule())
    assert isinstance(container.get(IRepository), MemoryRepository)


def test_installing_the_same_module_twice_is_not_a_conflict(container: InjectQ) -> None:
    container.install(SqlModule())
    container.install(SqlModule())
    assert isinstance(container.get(IRepository), SqlRepository)


def test_a_direct_rebind_on_the_container_replaces_a_modules_binding(container: InjectQ) -> None:
    container.install(SqlModule())
    container.bind(IRepository, MemoryRepository)
    assert isinstance(container.get(IRepository), MemoryRepository)
    container.install(MemoryModule())  # the key is the container's own now: no conflict
    assert isinstance(container.get(IRepository), MemoryRepository)

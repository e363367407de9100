"""injectq 0.5.0's `injectq.modules`, as faces of this project's Module and Binder: the
chained SimpleModule, the ConfigurationModule of values and the ProviderModule of `@provider`
methods all install through the one Binder, with its rules."""

import pytest

import injectq
from injectq import BindingError, InjectQ, Module, provider
from injectq.modules import ConfigurationModule, ProviderModule, SimpleModule, base


class Settings:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn


class Repository:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings


class Clock:
    pass


def test_the_modules_faces_are_the_projects_own_classes() -> None:
    assert base.Module is Module is injectq.Module
    assert base.provider is provider is injectq.provider
    assert injectq.SimpleModule is SimpleModule
    assert issubclass(SimpleModule, Module)
    assert issubclass(ConfigurationModule, Module)
    assert issubclass(ProviderModule, Module)


def test_simple_module_binds_what_is_chained_when_installed() -> None:
    module = (
        SimpleModule()
        .bind_instance(str, "sqlite://")
        .bind(Settings, Settings)
        .bind(Repository)
        .bind_factory(int, lambda: 42)
    )

    container = InjectQ([module])

    repository = container.get(Repository)
    assert repository.settings.dsn == "sqlite://"
    assert container.get(Repository) is repository  # a bound class is a singleton
    assert container.get(int) == 42


def test_simple_module_bind_takes_a_scope_and_to() -> None:
    container = InjectQ([SimpleModule().bind(Clock, to=Clock, scope="transient")])

    assert container.get(Clock) is not container.get(Clock)


def test_simple_module_bind_instance_keeps_a_class_object_as_it_is() -> None:
    container = InjectQ([SimpleModule().bind_instance("clock_class", Clock)])

    assert container.get("clock_class") is Clock


def test_simple_module_bindings_wait_for_install() -> None:
    container = InjectQ()
    module = SimpleModule().bind_instance(str, "later")

    assert str not in container
    container.install(module)
    assert container.get(str) == "later"


def test_configuration_module_binds_values_by_key_and_other_keys_by_their_text() -> None:
    config = {"db_url": "postgresql://db", 8080: "port key", float: 1.5}

    container = InjectQ([ConfigurationModule(config)])

    assert container.get("db_url") == "postgresql://db"
    assert container.get("8080") == "port key"
    assert container.get(float) == 1.5


def test_configuration_values_reach_plain_typed_parameters_by_name() -> None:
    class Client:
        def __init__(self, db_url: str) -> None:
            self.db_url = db_url

    container = InjectQ([ConfigurationModule({"db_url": "postgresql://db"})])

    assert container.get(Client).db_url == "postgresql://db"


def test_provider_module_installs_its_provider_methods_with_injected_parameters() -> None:
    class InfrastructureModule(ProviderModule):
        @provider
        def settings(self, dsn: str) -> Settings:
            return Settings(dsn)

        @provider(scope="singleton")
        def repository(self, settings: Settings) -> Repository:
            return Repository(settings)

    container = InjectQ([ConfigurationModule({"dsn": "sqlite://"}), InfrastructureModule()])

    repository = container.get(Repository)
    assert repository.settings.dsn == "sqlite://"
    assert container.get(Repository) is repository
    assert container.get(Settings) is not container.get(Settings)  # @provider is transient


def test_two_module_classes_binding_one_key_is_an_error_as_for_any_module() -> None:
    container = InjectQ([ConfigurationModule({"dsn": "a"})])

    with pytest.raises(BindingError, match="bound by two modules"):
        container.install(SimpleModule().bind_instance("dsn", "b"))


def test_a_simple_module_that_fails_leaves_none_of_its_bindings() -> None:
    container = InjectQ()
    module = SimpleModule().bind_instance(str, "kept?").bind(Settings)

    class Broken(Module):
        def configure(self, binder: injectq.Binder) -> None:
            module.configure(binder)
            binder.bind(Clock, object())  # not a Clock: refused

    with pytest.raises(BindingError):
        container.install(Broken())
    assert str not in container

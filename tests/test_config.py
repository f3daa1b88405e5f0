"""Configuration: secrets generated into the instance folder, defaults from the environment."""

import stat

from config import instance_secret_key


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    first = instance_secret_key(tmp_path)
    second = instance_secret_key(tmp_path)
    assert first == second and len(first) >= 64
    assert instance_secret_key(tmp_path / "other") != first
    mode = (tmp_path / "secret_key").stat().st_mode
    assert not mode & (stat.S_IRGRP | stat.S_IROTH)


def test_app_uses_the_generated_key(app, tmp_path):
    assert app.config["SECRET_KEY"] == (tmp_path / "instance" / "secret_key").read_text().strip()


def test_database_url_defaults_to_sqlite_in_the_instance_folder(monkeypatch, tmp_path):
    import importlib

    import config

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("WIPO_INSTANCE_PATH", str(tmp_path))
    reloaded = importlib.reload(config)
    assert reloaded.Config.SQLALCHEMY_DATABASE_URI == f"sqlite:///{tmp_path}/wipo_training.sqlite"
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db.example/wipo")
    assert importlib.reload(config).Config.SQLALCHEMY_DATABASE_URI.startswith("postgresql+psycopg")
    monkeypatch.undo()
    importlib.reload(config)


def _key_of(folder):
    from config import instance_secret_key as key

    return key(__import__("pathlib").Path(folder))


def test_processes_starting_together_agree_on_one_key(tmp_path):
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(8) as pool:
        keys = pool.map(_key_of, [str(tmp_path / "shared")] * 32)
    assert len(set(keys)) == 1
    assert [p.name for p in (tmp_path / "shared").iterdir()] == ["secret_key"]

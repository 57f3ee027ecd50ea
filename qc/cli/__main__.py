from qc.cli.main import app

app()

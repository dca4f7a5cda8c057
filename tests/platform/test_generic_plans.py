"""The suite runs with every prepared statement planned generically from its first execution, as
PostgreSQL may plan it from the sixth in production: a statement that only works under a custom plan
fails here at once."""

from sqlalchemy import text

from shared.db.engine import make_engine
from tests.conftest import Stack


async def test_every_service_connection_plans_statements_generically(stack: Stack) -> None:
    engine = make_engine(stack.service_database_urls["routing"], pool_size=1)
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(text("SHOW plan_cache_mode")) == "force_generic_plan"
    finally:
        await engine.dispose()

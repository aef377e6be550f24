FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_PATH=/data/podium.db

WORKDIR /app

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY bot.py schema.sql ./
COPY podium ./podium
COPY db ./db
COPY cogs ./cogs

RUN useradd --system --uid 10001 --no-create-home podium \
    && mkdir -p /data \
    && chown podium /data
USER 10001

VOLUME /data
CMD ["python", "bot.py"]

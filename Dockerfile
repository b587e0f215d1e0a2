# The production image: runtime dependencies only (`pip install .`), run from /app with
# edc.settings.production. CI proves the same install without Docker: .ci/production-smoke.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=edc.settings.production
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir . \
 && mkdir -p /data/media /data/static && chown nobody /data/media /data/static
USER nobody

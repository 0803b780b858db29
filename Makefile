# The two commands a newcomer needs; each installs the system packages it uses.
.PHONY: run test

run: ## build and open the app (a local demo server when no key is set up)
	scripts/deps.sh build
	go run . $(ARGS)

test: ## every test, including a real (throwaway) Secret Service
	scripts/test.sh

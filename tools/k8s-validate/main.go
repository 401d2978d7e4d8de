// k8s-validate checks rendered Kubernetes manifests strictly, without a cluster: every YAML
// document is decoded into the k8s.io/api type of its apiVersion and kind, and an unknown,
// misspelled or wrongly cased field, a duplicate key, an unknown kind or a malformed value
// (a quantity, an int-or-string) fails, as do a few checks the API server makes on names,
// labels, selectors, ports, probes, environment variables and volume mounts.
//
// Usage: k8s-validate [-json] [FILE...]   (no FILE or "-": standard input)
// Exit code 0 when every document is valid and there is at least one, 1 otherwise. With -json,
// the valid objects are printed to standard output as one JSON array (for tests to read).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	printJSON := flag.Bool("json", false, "print the objects as a JSON array on success")
	flag.Parse()
	sources := flag.Args()
	if len(sources) == 0 {
		sources = []string{"-"}
	}
	objects, failed := []json.RawMessage{}, false
	for _, source := range sources {
		var input io.Reader = os.Stdin
		name := "<stdin>"
		if source != "-" {
			file, err := os.Open(source)
			if err != nil {
				fmt.Fprintf(os.Stderr, "k8s-validate: %v\n", err)
				os.Exit(1)
			}
			defer file.Close()
			input, name = file, source
		}
		result := Validate(name, input)
		objects = append(objects, result.JSON...)
		for _, problem := range result.Errors {
			fmt.Fprintf(os.Stderr, "k8s-validate: %s\n", problem)
			failed = true
		}
	}
	if len(objects) == 0 {
		fmt.Fprintln(os.Stderr, "k8s-validate: no Kubernetes objects in the input")
		os.Exit(1)
	}
	if failed {
		os.Exit(1)
	}
	if *printJSON {
		if err := json.NewEncoder(os.Stdout).Encode(objects); err != nil {
			fmt.Fprintf(os.Stderr, "k8s-validate: %v\n", err)
			os.Exit(1)
		}
		return
	}
	fmt.Printf("k8s-validate: %d objects valid\n", len(objects))
}

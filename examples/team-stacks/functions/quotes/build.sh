#!/usr/bin/env bash
# Compiles the quotes function into package/ (what the stack zips): `bash build.sh`.
# Class files for Java 17 run on the java21 runtime the stack declares.
# javac writes no timestamps into class files, so the package is the same on every run
# with the same JDK; package/ is committed so that synth needs no JDK.
set -eu
cd "$(dirname "$0")"
rm -rf package
javac --release 17 -d package src/com/acme/Quotes.java

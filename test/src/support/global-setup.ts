/**
 * Loaded by mocha before every spec (see .mocharc.json): the DI runtime needs reflect-metadata
 * once per process, before any decorated class is imported.
 */
import "reflect-metadata";

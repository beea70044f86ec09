/**
 * `cloudfront-lets <step> [flags]`: the user-facing scripts behind one command. This is
 * what the `bin` runs, bundled (bin/cloudfront-lets.mjs); a step reads its flags as when
 * its script is run on its own.
 * @module
 */
import process from "node:process";
import { type Step, STEPS } from "./_steps.ts";

const names = Object.keys(STEPS).join(", ");
const step = process.argv[2];
if (step === "--help" || step === "-h") {
  console.log(`Usage: cloudfront-lets <step> [flags]

Steps: ${names}.
Each step's flags: cloudfront-lets <step> --help`);
  process.exit(0);
}
if (step === undefined || !Object.hasOwn(STEPS, step)) {
  // As the steps' own `fail` says it; that module is not loaded before a step is.
  console.error(
    `error: ${step === undefined ? "no step" : `unknown step "${step}"`}; the steps: ${names}`,
  );
  process.exit(2);
}
process.argv.splice(2, 1); // the step reads its own flags from argv
await STEPS[step as Step]();

/** What a test expects to fail: the error a promise rejects with, or the error a deployment fails with. */
import { expect } from "vitest";
import { DeploymentError, type Summary } from "../../harness/engine";

/** What `promise` rejected with; a resolution fails the test. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("resolved, but a rejection was expected");
}

/** The {@link DeploymentError} a run of the stand-in engine failed with; a success or another error fails the test. */
export async function deploymentFailure(run: Promise<Summary>): Promise<DeploymentError> {
  const error = await rejection(run);
  expect(error).toBeInstanceOf(DeploymentError);
  return error as DeploymentError;
}

// SPDX-License-Identifier: Apache-2.0
// client-node's generated APIs type request bodies as model classes (V1Lease, V1ObjectMeta, …) that
// carry only fields; building real instances keeps the compiler and lint honest about what is sent.

/** An instance of the client-node model `Model` with `fields` set; nested models need their own call. */
export function model<T extends object>(Model: new () => T, fields: Partial<T>): T {
  return Object.assign(new Model(), fields);
}

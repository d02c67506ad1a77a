export { compileFlow } from './compile/compileFlow.js';
export { runtimeSetup, buildFlowMachine } from './compile/flowMachine.js';
export { restoreMachineSnapshot, persistMachineSnapshot } from './compile/restoreMachineSnapshot.js';
export { resolveNodeType, catalogOf } from './registry/RuntimeRegistry.js';
export { createEngine } from './engine/createEngine.js';
export { snapshotEnvelopeSchema } from './engine/envelope.js';
export { TRANSCRIPT_TEXTS } from './engine/transcriptTexts.js';
export { createMemoryEngineStore } from './memory/createMemoryEngineStore.js';
export { createKeyedSerialQueue } from './queue/createKeyedSerialQueue.js';
export { renderText } from './template/renderText.js';
export { createFlowDriver } from './flowTest/createFlowDriver.js';
export { runFlowTest, formatFlowTestFailures, describeOutbound } from './flowTest/runFlowTest.js';
export { flowTestFileSchema } from './flowTest/flowTestFileSchema.js';
export { createSafeHttp, createAddressPolicy, embeddedIPv4, matchesHostPattern } from './safeHttp/index.js';

export type { CompiledFlow, CompiledNode, CompileResult } from './compile/compileFlow.js';
export type { FlowMachineEvent } from './compile/flowMachine.js';
export type { RunIssue } from './compile/checkFlowForRun.js';
export type { RuntimeRegistry, ResolvedNodeType } from './registry/RuntimeRegistry.js';
export type { Engine, HandleOptions } from './engine/createEngine.js';
export type { EngineOptions, EngineLogger } from './engine/EngineDeps.js';
export type { EngineStore, EngineBot } from './engine/EngineStore.js';
export type { SnapshotEnvelope } from './engine/envelope.js';
export type { TranscriptCode } from './engine/transcriptTexts.js';
export type {
  MemoryEngineStore,
  MemoryEngineStoreOptions,
  MemoryBot,
} from './memory/createMemoryEngineStore.js';
export type { KeyedSerialQueue } from './queue/createKeyedSerialQueue.js';
export type { FlowDriver, FlowDriverOptions, DriverInput, DriverStep } from './flowTest/createFlowDriver.js';
export type { FlowTestResult, FlowTestFailure, RunFlowTestOptions } from './flowTest/runFlowTest.js';
export type {
  FlowTestFile,
  FlowTestFileInput,
  FlowTestTurn,
  FlowTestCase,
  FlowTestBotExpectation,
  FlowTestUserInput,
  FlowTestHttpMock,
} from './flowTest/flowTestFileSchema.js';
export type {
  SafeHttpOptions,
  SafeHttpLookup,
  SafeHttpErrorCode,
  ResolvedAddress,
  AddressPolicy,
  AddressPolicyOptions,
  BlockedRange,
} from './safeHttp/index.js';

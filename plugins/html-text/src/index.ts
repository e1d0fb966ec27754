export {
  htmlFragmentText,
  readableHtml,
  type Link,
  type ReadableHtml,
  type ReadableOptions,
} from './readable.ts';

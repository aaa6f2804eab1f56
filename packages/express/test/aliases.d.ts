/** The framework majors installed under aliases, typed with the current major's types. */
declare module 'express4' {
  import express from 'express';
  export default express;
}
declare module 'express5' {
  import express from 'express';
  export default express;
}

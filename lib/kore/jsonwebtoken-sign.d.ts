/** `jsonwebtoken/sign.js` is the function `jsonwebtoken.sign` (the package's index re-exports it). */
declare module 'jsonwebtoken/sign.js' {
  import { sign } from 'jsonwebtoken';
  export default sign;
}

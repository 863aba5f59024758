import { notAvailable } from '../not-available.js';

export default notAvailable('audit verify', 'part 1: memory');

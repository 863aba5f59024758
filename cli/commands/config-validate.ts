import { notAvailable } from '../not-available.js';

export default notAvailable('config validate', 'part 1: config');

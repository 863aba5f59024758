import { notAvailable } from '../not-available.js';

export default notAvailable('diff', 'part 4: desired state');

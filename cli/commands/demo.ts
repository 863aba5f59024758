import { notAvailable } from '../not-available.js';

export default notAvailable('demo', 'part 4: desired state');
